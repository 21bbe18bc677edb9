//! The `engine` and `store` layers of [oadr](https://docs.rs/oadr): the VEN and VTN protocol
//! state machines (no I/O) and the VTN's durable store. Use them through `oadr::engine` and
//! `oadr::store`.
#![forbid(unsafe_code)]

pub mod engine;
pub mod store;

use oadr_model::model;
use oadr_transport::transport;
