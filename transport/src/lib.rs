//! The `transport` layer of [oadr](https://docs.rs/oadr): the 2.0b services, simple HTTP pull
//! and push, XMPP and TLS. Use it through `oadr::transport`.
#![forbid(unsafe_code)]

pub mod transport;

#[cfg(test)]
use oadr_model::model;
use oadr_sign::sign;
