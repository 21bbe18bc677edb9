//! The rules, one constant each, with number and source.
//!
//! Sources: the OpenADR 2.0b Profile Specification (document 20120912-1, rev 1.0 and 1.1),
//! cited through the project's spec digest (`openadr-2.0b-notes.md`, "digest §n").

use super::{Rule, Severity};
use crate::model::ResponseCode;

macro_rules! rule {
    ($(#[$m:meta])* $name:ident, $id:literal, $sev:ident, $code:ident, $title:literal, $source:literal) => {
        $(#[$m])*
        #[doc = concat!("\n\nRule `", $id, "`: ", $title, "\n\nSource: ", $source)]
        pub static $name: Rule = Rule {
            id: $id,
            title: $title,
            source: $source,
            severity: Severity::$sev,
            code: ResponseCode::$code,
        };
    };
}

rule!(
    RULE_1_UTC,
    "1",
    Error,
    INVALID_DATA,
    "dateTime values are UTC (end in Z).",
    "spec §8 EiEvent conformance rule 1; digest §5 Times, §8"
);
rule!(
    RULE_2_UID_SEQUENCE,
    "2",
    Error,
    INVALID_DATA,
    "Within each eiEventSignal, interval uids start at 0 and go up by 1.",
    "spec §8 EiEvent conformance rule 2; digest §5 Intervals, §8"
);
rule!(
    RULE_4_NEW_EVENT_MODIFICATION,
    "4",
    Error,
    INVALID_DATA,
    "A new event has modificationNumber 0.",
    "spec §8 EiEvent conformance rule 4; digest §5 modificationNumber, §8"
);
rule!(RULE_5_MODIFICATION_INCREMENT, "5", Error, INVALID_DATA,
    "Any change except createdDateTime, eventStatus and currentValue adds 1 to modificationNumber (a change to cancelled too); without such a change it stays the same.",
    "spec §8 EiEvent conformance rule 5; digest §5 modificationNumber, §8");
rule!(
    RULE_7_ONE_SIMPLE_SIGNAL,
    "7",
    Warning,
    INVALID_DATA,
    "At most one signal named SIMPLE per event (2.0a wording; 2.0b wording unconfirmed).",
    "spec 2.0a conformance rule 7; digest §5 SIMPLE signals, §8"
);
rule!(
    RULE_8_INTERVALS_SUM,
    "8",
    Error,
    INVALID_DATA,
    "Each signal's interval durations add up to the eiActivePeriod duration.",
    "spec §8 EiEvent conformance rule 8; digest §5 Intervals, §8"
);
rule!(
    RULE_9_SIMPLE_LEVELS,
    "9",
    Error,
    INVALID_DATA,
    "SIMPLE signal payload values are 0, 1, 2 or 3.",
    "spec §8 EiEvent conformance rule 9; digest §5 SIMPLE signals, §8"
);
rule!(RULE_12_62_RESPONSE_REQUIRED, "12/62", Error, NOT_ALLOWED,
    "With oadrResponseRequired=always the VEN answers the event in oadrCreatedEvent; with never it does not.",
    "spec §8 EiEvent conformance rules 12 and 62; digest §5 responseRequired, §8");
rule!(RULE_14_SIMPLE_CURRENT_VALUE, "14", Error, INVALID_DATA,
    "A SIMPLE signal's currentValue is 0 unless the event is active; while active it is the current interval's level.",
    "spec §8 EiEvent conformance rule 14; digest §5 SIMPLE signals, §8");
rule!(
    RULE_21_IDS,
    "21",
    Error,
    INVALID_ID,
    "Unexpected venID, vtnID or eventID values are errors.",
    "spec §8 EiEvent conformance rule 21; digest §5 ID checks, §8"
);
rule!(
    SIGNAL_COMBINATION,
    "signal-combination",
    Warning,
    SIGNAL_NOT_SUPPORTED,
    "signalName, signalType and itemBase form one of the combinations of the spec's signal table.",
    "spec §8 EiEvent signal table (unconfirmed); digest §5 Name → allowed type/unit combinations"
);
rule!(EVENT_STATUS_TIMES, "event-status-times", Warning, INVALID_DATA,
    "eventStatus agrees with the active period: far/near before dtstart, active during it, completed after it.",
    "digest §5 eventStatus values (near-window semantics unconfirmed)");
rule!(
    RULE_311_METADATA_REQUEST_ID,
    "311",
    Error,
    INVALID_DATA,
    "In a VEN's oadrRegisterReport each report's reportRequestID is 0.",
    "spec §8 EiReport conformance rule 311; digest §6 Step 1, §8"
);
rule!(
    METADATA_DURATION,
    "metadata-duration",
    Error,
    INVALID_DATA,
    "A metadata report carries duration (how much history the sender can buffer).",
    "digest §6 Step 1, §8 EiReport"
);
rule!(
    METADATA_NAME,
    "metadata-report-name",
    Error,
    INVALID_DATA,
    "Reports registered in oadrRegisterReport are named `METADATA_<name>` (or an x- extension).",
    "digest §6 Step 1"
);
rule!(DATA_REPORT_CONTENTS, "data-report-contents", Error, INVALID_DATA,
    "A data report carries dtstart, intervals and a reportName equal to the metadata name without METADATA_.",
    "digest §6 Data report contents, §8 EiReport");
rule!(
    DATA_REPORT_DTSTART,
    "data-report-dtstart",
    Error,
    INVALID_DATA,
    "When both are present, a report's dtstart equals its first interval's dtstart.",
    "digest §6 Data report contents, §8 EiReport"
);
rule!(
    SAMPLING_RATE_ORDER,
    "sampling-rate-order",
    Warning,
    INVALID_DATA,
    "oadrMinPeriod is not longer than oadrMaxPeriod.",
    "spec oadrSamplingRate semantics; digest §6 Step 1"
);
rule!(
    GRANULARITY_IN_SAMPLING_RATE,
    "granularity-sampling-rate",
    Warning,
    REPORT_NOT_SUPPORTED,
    "A report request's granularity lies between the data point's oadrMinPeriod and oadrMaxPeriod.",
    "digest §6 Step 2 (unconfirmed detail)"
);
rule!(
    REQUESTED_RIDS_KNOWN,
    "report-request-rids",
    Error,
    INVALID_ID,
    "A report request names a registered reportSpecifierID and only rIDs of that metadata report.",
    "digest §6 Step 2"
);
rule!(UPDATE_RIDS_MATCH, "update-report-rids", Error, INVALID_DATA,
    "The set of rIDs in an oadrUpdateReport equals the set requested (certification: RID count mismatch).",
    "digest §6 Step 2");
rule!(
    RESPONSE_VEN_ID,
    "response-ven-id",
    Error,
    INVALID_DATA,
    "oadrResponse and oadrCanceledPartyRegistration carry the venID.",
    "digest §1 (certification), §8 Registration / transport"
);
rule!(
    REQUEST_ID_ECHO,
    "request-id-echo",
    Error,
    INVALID_ID,
    "An acknowledgement carries forward the requestID of the request it answers.",
    "digest §6 Step 2, §8 EiReport"
);
rule!(ANSWER_TYPE, "answer-type", Error, OUT_OF_SEQUENCE,
    "Each request is answered with its matching payload (oadrRegisterReport → oadrRegisteredReport, oadrCreateReport → oadrCreatedReport, ...).",
    "digest §1 Services table, §8 EiReport");
rule!(OPT_EVENT_OR_SCHEDULE, "opt-event-or-schedule", Error, INVALID_DATA,
    "oadrCreateOpt carries either a vavailability schedule or a qualifiedEventID, not both and not neither.",
    "digest §7");
rule!(
    PUSH_TRANSPORT_ADDRESS,
    "push-transport-address",
    Error,
    INVALID_DATA,
    "A simpleHttp push registration (oadrHttpPullModel=false) carries oadrTransportAddress.",
    "digest §2 How the VEN chooses"
);

/// Every rule, for listings (`oadr validate --conformance` documentation, tests).
pub static ALL_RULES: &[&Rule] = &[
    &RULE_1_UTC,
    &RULE_2_UID_SEQUENCE,
    &RULE_4_NEW_EVENT_MODIFICATION,
    &RULE_5_MODIFICATION_INCREMENT,
    &RULE_7_ONE_SIMPLE_SIGNAL,
    &RULE_8_INTERVALS_SUM,
    &RULE_9_SIMPLE_LEVELS,
    &RULE_12_62_RESPONSE_REQUIRED,
    &RULE_14_SIMPLE_CURRENT_VALUE,
    &RULE_21_IDS,
    &SIGNAL_COMBINATION,
    &EVENT_STATUS_TIMES,
    &RULE_311_METADATA_REQUEST_ID,
    &METADATA_DURATION,
    &METADATA_NAME,
    &DATA_REPORT_CONTENTS,
    &DATA_REPORT_DTSTART,
    &SAMPLING_RATE_ORDER,
    &GRANULARITY_IN_SAMPLING_RATE,
    &REQUESTED_RIDS_KNOWN,
    &UPDATE_RIDS_MATCH,
    &RESPONSE_VEN_ID,
    &REQUEST_ID_ECHO,
    &ANSWER_TYPE,
    &OPT_EVENT_OR_SCHEDULE,
    &PUSH_TRANSPORT_ADDRESS,
];
