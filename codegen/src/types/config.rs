//! xsd-parser configuration for the typed structs. Each choice is explained in
//! codegen/README.md; the short reasons are repeated here.

use xsd_parser::config::{
    GeneratorConfig, GeneratorFlags, InterpreterConfig, InterpreterFlags, OptimizerConfig,
    OptimizerFlags, RenderStep, RendererConfig, RendererFlags,
};
use xsd_parser::{Config, IdentType};

/// The one root the types are generated for: everything reachable from `oadr:oadrPayload`,
/// nothing else (the greenbutton `espi` types are only reachable through `xs:any` and stay
/// untyped `AnyElement`s).
const ROOT: &str = "oadr:oadrPayload";

fn config(encoder: super::encoder::EncodeRenderStep) -> Config {
    let mut config = Config::default();
    config.interpreter.flags = InterpreterFlags::BUILDIN_TYPES
        | InterpreterFlags::DEFAULT_TYPEDEFS
        | InterpreterFlags::WITH_XS_ANY_TYPE;
    // Not USE_UNRESTRICTED_BASE_TYPE_*: that optimisation replaces restricted simple types
    // by their base and so silently drops every facet.
    config.optimizer.flags = OptimizerFlags::REMOVE_EMPTY_ENUM_VARIANTS
        | OptimizerFlags::REMOVE_EMPTY_ENUMS
        | OptimizerFlags::REMOVE_DUPLICATE_UNION_VARIANTS
        | OptimizerFlags::REMOVE_EMPTY_UNIONS
        // Substitution groups (ei:payloadBase, emix:itemBase, strm:streamPayloadBase, ...)
        // become closed enums instead of `Box<dyn Trait>`.
        | OptimizerFlags::CONVERT_DYNAMIC_TO_CHOICE;
    config.generator.flags = GeneratorFlags::USE_NAMESPACE_MODULES
        | GeneratorFlags::FLATTEN_CONTENT
        | GeneratorFlags::ANY_TYPE_SUPPORT
        | GeneratorFlags::MIXED_TYPE_SUPPORT
        | GeneratorFlags::BUILD_IN_ABSOLUTE_PATHS;
    config.renderer.flags = RendererFlags::RENDER_DOCS;
    config
        .with_generate([(IdentType::Element, ROOT)])
        .with_derive(["Debug", "Clone", "PartialEq"])
        // The steps xsd-parser's quick-xml serializer needed besides the serializer itself:
        // the types, attribute defaults, and the NS_*/PREFIX_* constants.
        .with_render_steps([
            RenderStep::Types,
            RenderStep::Defaults,
            RenderStep::PrefixConstants,
            RenderStep::NamespaceConstants,
        ])
        // Our own recursive-descent decoders instead of xsd-parser's quick-xml deserializer
        // state machines (see decoder.rs and codegen/README.md).
        .with_render_step(super::decoder::DecodeRenderStep)
        // Our own straight-line encoders instead of xsd-parser's quick-xml serializer state
        // machines (see encoder.rs and codegen/README.md).
        .with_render_step(encoder)
}

/// Interpreter configuration.
pub fn interpreter() -> InterpreterConfig {
    config(Default::default()).interpreter
}

/// Optimiser configuration.
pub fn optimizer() -> OptimizerConfig {
    config(Default::default()).optimizer
}

/// Generator configuration.
pub fn generator() -> GeneratorConfig {
    config(Default::default()).generator
}

/// Renderer configuration (types, defaults, namespace constants, our decoders and
/// encoders, the latter with the validator tables' declaration indices of `checks`).
pub fn renderer(checks: super::checks::CheckIndex) -> RendererConfig {
    config(super::encoder::EncodeRenderStep::new(checks)).renderer
}
