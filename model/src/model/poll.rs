//! `oadrPoll` and the generic `oadrResponse` (spec digest §1, §2).

use super::common::{lenient, EiResponse};
use serde::{Deserialize, Serialize};

/// `oadrPoll` (VEN → VTN, pull mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
}

/// `oadrResponse`: the generic acknowledgement (also "nothing pending" for a poll).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:venID` (required by certification, spec digest §1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}
