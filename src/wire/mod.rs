//! Facade over the code generated from `xsd/` (see `codegen/`).
