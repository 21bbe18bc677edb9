//! The `sign` layer of [oadr](https://docs.rs/oadr): XML-DSig signing and verification,
//! ReplayProtect and certificate fingerprints. Use it through `oadr::sign`.
#![forbid(unsafe_code)]

pub mod sign;
