//! The `model` and `conformance` layers of [oadr](https://docs.rs/oadr): the native
//! OpenADR 2.0b message model and the conformance rules the XSD cannot express. Use them
//! through `oadr::model` and `oadr::conformance`.
#![forbid(unsafe_code)]

pub mod conformance;
pub mod model;
#[doc(inline)]
pub use oadr_wire::wire;
