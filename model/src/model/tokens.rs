//! The protocol's enumerated tokens (`eventStatus`, `signalName`, `signalType`, `optType`,
//! `reportName`, `readingType`, `reportType`, ...), each an enum that serializes as the
//! token text the schema uses. Open enumerations (a schema union with
//! `ei:EiExtensionTokenType`, pattern `x-\S.*`) keep extension values in an `Extension` variant.

use std::fmt;
use std::str::FromStr;

/// A token that is not allowed where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {what}")]
#[non_exhaustive]
pub struct TokenError {
    /// The schema type the token had to belong to.
    pub what: &'static str,
    /// The rejected value.
    pub value: String,
}

/// Whether `s` matches `ei:EiExtensionTokenType` (`x-\S.*`).
pub fn is_extension_token(s: &str) -> bool {
    s.strip_prefix("x-")
        .and_then(|r| r.chars().next())
        .is_some_and(|c| !c.is_whitespace())
}

macro_rules! token_serde {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A closed enumeration (`xs:restriction` with `xs:enumeration`s).
macro_rules! closed_token {
    ($(#[$m:meta])* $name:ident, $schema:literal { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $v,)+ }
        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// The token as written on the wire.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }
        }
        impl FromStr for $name {
            type Err = TokenError;
            fn from_str(s: &str) -> Result<Self, TokenError> {
                match s.trim() {
                    $($s => Ok($name::$v),)+
                    _ => Err(TokenError { what: $schema, value: s.to_owned() }),
                }
            }
        }
        token_serde!($name);
    };
}

/// An open enumeration: the listed tokens plus any `x-` extension token.
macro_rules! open_token {
    ($(#[$m:meta])* $name:ident, $schema:literal { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)+
            /// An `x-` extension token (`ei:EiExtensionTokenType`).
            Extension(String),
        }
        impl $name {
            /// Every enumerated value, in schema order (extensions excluded).
            pub const ENUMERATED: &'static [$name] = &[$($name::$v,)+];
            /// The token as written on the wire.
            pub fn as_str(&self) -> &str {
                match self { $($name::$v => $s,)+ $name::Extension(x) => x }
            }
        }
        impl FromStr for $name {
            type Err = TokenError;
            fn from_str(s: &str) -> Result<Self, TokenError> {
                let t = s.trim();
                match t {
                    $($s => Ok($name::$v),)+
                    _ if is_extension_token(t) => Ok($name::Extension(t.to_owned())),
                    _ => Err(TokenError { what: $schema, value: s.to_owned() }),
                }
            }
        }
        token_serde!($name);
    };
}

closed_token!(
    /// `ei:eventStatus` (§5 of the spec digest).
    EventStatus, "ei:EventStatusEnumeratedType" {
        /// No status.
        None = "none",
        /// The event is scheduled but not near.
        Far = "far",
        /// The event starts soon.
        Near = "near",
        /// The event is running.
        Active = "active",
        /// The event is over.
        Completed = "completed",
        /// The event was cancelled.
        Cancelled = "cancelled",
    }
);

open_token!(
    /// `ei:signalName`.
    SignalName, "ei:signalNameType" {
        /// `SIMPLE`: levels 0–3.
        Simple = "SIMPLE",
        /// `simple` (legacy lower-case spelling of SIMPLE).
        SimpleLower = "simple",
        /// `ELECTRICITY_PRICE`.
        ElectricityPrice = "ELECTRICITY_PRICE",
        /// `ENERGY_PRICE`.
        EnergyPrice = "ENERGY_PRICE",
        /// `DEMAND_CHARGE`.
        DemandCharge = "DEMAND_CHARGE",
        /// `BID_PRICE`.
        BidPrice = "BID_PRICE",
        /// `BID_LOAD`.
        BidLoad = "BID_LOAD",
        /// `BID_ENERGY`.
        BidEnergy = "BID_ENERGY",
        /// `CHARGE_STATE`.
        ChargeState = "CHARGE_STATE",
        /// `LOAD_DISPATCH`.
        LoadDispatch = "LOAD_DISPATCH",
        /// `LOAD_CONTROL`.
        LoadControl = "LOAD_CONTROL",
    }
);

impl SignalName {
    /// `SIMPLE` in either spelling.
    pub fn is_simple(&self) -> bool {
        matches!(self, SignalName::Simple | SignalName::SimpleLower)
    }
}

closed_token!(
    /// `ei:signalType`.
    SignalType, "ei:SignalTypeEnumeratedType" {
        /// `delta`.
        Delta = "delta",
        /// `level`.
        Level = "level",
        /// `multiplier`.
        Multiplier = "multiplier",
        /// `price`.
        Price = "price",
        /// `priceMultiplier`.
        PriceMultiplier = "priceMultiplier",
        /// `priceRelative`.
        PriceRelative = "priceRelative",
        /// `setpoint`.
        Setpoint = "setpoint",
        /// `x-loadControlCapacity`.
        LoadControlCapacity = "x-loadControlCapacity",
        /// `x-loadControlLevelOffset`.
        LoadControlLevelOffset = "x-loadControlLevelOffset",
        /// `x-loadControlPercentOffset`.
        LoadControlPercentOffset = "x-loadControlPercentOffset",
        /// `x-loadControlSetpoint`.
        LoadControlSetpoint = "x-loadControlSetpoint",
    }
);

closed_token!(
    /// `oadr:oadrResponseRequired`.
    ResponseRequired, "oadr:ResponseRequiredType" {
        /// The VEN must answer with oadrCreatedEvent.
        Always = "always",
        /// The VEN must not answer.
        Never = "never",
    }
);

closed_token!(
    /// `ei:optType`.
    OptType, "ei:OptTypeType" {
        /// `optIn`.
        OptIn = "optIn",
        /// `optOut`.
        OptOut = "optOut",
    }
);

open_token!(
    /// `ei:optReason`.
    OptReason, "ei:OptReasonType" {
        /// `economic`.
        Economic = "economic",
        /// `emergency`.
        Emergency = "emergency",
        /// `mustRun`.
        MustRun = "mustRun",
        /// `notParticipating`.
        NotParticipating = "notParticipating",
        /// `outageRunStatus`.
        OutageRunStatus = "outageRunStatus",
        /// `overrideStatus`.
        OverrideStatus = "overrideStatus",
        /// `participating`.
        Participating = "participating",
        /// `x-schedule`.
        Schedule = "x-schedule",
    }
);

open_token!(
    /// `ei:reportName`.
    ReportName, "ei:reportNameType" {
        /// `METADATA_HISTORY_USAGE`.
        MetadataHistoryUsage = "METADATA_HISTORY_USAGE",
        /// `HISTORY_USAGE`.
        HistoryUsage = "HISTORY_USAGE",
        /// `METADATA_HISTORY_GREENBUTTON`.
        MetadataHistoryGreenbutton = "METADATA_HISTORY_GREENBUTTON",
        /// `HISTORY_GREENBUTTON`.
        HistoryGreenbutton = "HISTORY_GREENBUTTON",
        /// `METADATA_TELEMETRY_USAGE`.
        MetadataTelemetryUsage = "METADATA_TELEMETRY_USAGE",
        /// `TELEMETRY_USAGE`.
        TelemetryUsage = "TELEMETRY_USAGE",
        /// `METADATA_TELEMETRY_STATUS`.
        MetadataTelemetryStatus = "METADATA_TELEMETRY_STATUS",
        /// `TELEMETRY_STATUS`.
        TelemetryStatus = "TELEMETRY_STATUS",
    }
);

impl ReportName {
    /// Whether this is a `METADATA_` report name.
    pub fn is_metadata(&self) -> bool {
        self.as_str().starts_with("METADATA_")
    }

    /// The data report name for a metadata name (`METADATA_TELEMETRY_USAGE` →
    /// `TELEMETRY_USAGE`); `None` for a name that is not a metadata name.
    pub fn data_name(&self) -> Option<ReportName> {
        let rest = self.as_str().strip_prefix("METADATA_")?;
        rest.parse().ok()
    }
}

open_token!(
    /// `ei:readingType`.
    ReadingType, "ei:ReadingTypeType" {
        /// `Direct Read`.
        DirectRead = "Direct Read",
        /// `Net`.
        Net = "Net",
        /// `Allocated`.
        Allocated = "Allocated",
        /// `Estimated`.
        Estimated = "Estimated",
        /// `Summed`.
        Summed = "Summed",
        /// `Derived`.
        Derived = "Derived",
        /// `Mean`.
        Mean = "Mean",
        /// `Peak`.
        Peak = "Peak",
        /// `Hybrid`.
        Hybrid = "Hybrid",
        /// `Contract`.
        Contract = "Contract",
        /// `Projected`.
        Projected = "Projected",
        /// `x-RMS`.
        Rms = "x-RMS",
        /// `x-notApplicable`.
        NotApplicable = "x-notApplicable",
    }
);

open_token!(
    /// `ei:reportType`.
    ReportType, "ei:ReportTypeType" {
        /// `reading`.
        Reading = "reading",
        /// `usage`.
        Usage = "usage",
        /// `demand`.
        Demand = "demand",
        /// `setPoint`.
        SetPoint = "setPoint",
        /// `deltaUsage`.
        DeltaUsage = "deltaUsage",
        /// `deltaSetPoint`.
        DeltaSetPoint = "deltaSetPoint",
        /// `deltaDemand`.
        DeltaDemand = "deltaDemand",
        /// `baseline`.
        Baseline = "baseline",
        /// `deviation`.
        Deviation = "deviation",
        /// `avgUsage`.
        AvgUsage = "avgUsage",
        /// `avgDemand`.
        AvgDemand = "avgDemand",
        /// `operatingState`.
        OperatingState = "operatingState",
        /// `upRegulationCapacityAvailable`.
        UpRegulationCapacityAvailable = "upRegulationCapacityAvailable",
        /// `downRegulationCapacityAvailable`.
        DownRegulationCapacityAvailable = "downRegulationCapacityAvailable",
        /// `regulationSetpoint`.
        RegulationSetpoint = "regulationSetpoint",
        /// `storedEnergy`.
        StoredEnergy = "storedEnergy",
        /// `targetEnergyStorage`.
        TargetEnergyStorage = "targetEnergyStorage",
        /// `availableEnergyStorage`.
        AvailableEnergyStorage = "availableEnergyStorage",
        /// `price`.
        Price = "price",
        /// `level`.
        Level = "level",
        /// `powerFactor`.
        PowerFactor = "powerFactor",
        /// `percentUsage`.
        PercentUsage = "percentUsage",
        /// `percentDemand`.
        PercentDemand = "percentDemand",
        /// `x-resourceStatus`.
        ResourceStatus = "x-resourceStatus",
    }
);

closed_token!(
    /// `scale:siScaleCode`.
    SiScaleCode, "scale:SiScaleCodeType" {
        /// pico (10⁻¹²).
        Pico = "p",
        /// nano (10⁻⁹).
        Nano = "n",
        /// micro (10⁻⁶).
        Micro = "micro",
        /// milli (10⁻³).
        Milli = "m",
        /// centi (10⁻²).
        Centi = "c",
        /// deci (10⁻¹).
        Deci = "d",
        /// kilo (10³).
        Kilo = "k",
        /// mega (10⁶).
        Mega = "M",
        /// giga (10⁹).
        Giga = "G",
        /// tera (10¹²).
        Tera = "T",
        /// No scaling.
        None = "none",
    }
);

closed_token!(
    /// `oadr:oadrProfileName`.
    ProfileName, "oadr:oadrProfileType" {
        /// OpenADR 2.0a.
        A20 = "2.0a",
        /// OpenADR 2.0b.
        B20 = "2.0b",
    }
);

closed_token!(
    /// `oadr:oadrTransportName`.
    TransportName, "oadr:oadrTransportType" {
        /// Simple HTTP.
        SimpleHttp = "simpleHttp",
        /// XMPP.
        Xmpp = "xmpp",
    }
);

closed_token!(
    /// `oadr:oadrServiceName`.
    ServiceName, "oadr:oadrServiceNameType" {
        /// EiEvent.
        EiEvent = "EiEvent",
        /// EiOpt.
        EiOpt = "EiOpt",
        /// EiReport.
        EiReport = "EiReport",
        /// EiRegisterParty.
        EiRegisterParty = "EiRegisterParty",
        /// OadrPoll.
        OadrPoll = "OadrPoll",
    }
);

open_token!(
    /// `oadr:oadrDataQuality`.
    DataQuality, "oadr:oadrDataQualityTypeType" {
        /// No Quality - No Value.
        NoQualityNoValue = "No Quality - No Value",
        /// No New Value - Previous Value Used.
        NoNewValuePreviousValueUsed = "No New Value - Previous Value Used",
        /// Quality Bad - Non Specific.
        QualityBadNonSpecific = "Quality Bad - Non Specific",
        /// Quality Bad - Configuration Error.
        QualityBadConfigurationError = "Quality Bad - Configuration Error",
        /// Quality Bad - Not Connected.
        QualityBadNotConnected = "Quality Bad - Not Connected",
        /// Quality Bad - Device Failure.
        QualityBadDeviceFailure = "Quality Bad - Device Failure",
        /// Quality Bad - Sensor Failure.
        QualityBadSensorFailure = "Quality Bad - Sensor Failure",
        /// Quality Bad - Last Known Value.
        QualityBadLastKnownValue = "Quality Bad - Last Known Value",
        /// Quality Bad - Comm Failure.
        QualityBadCommFailure = "Quality Bad - Comm Failure",
        /// Quality Bad - Out of Service.
        QualityBadOutOfService = "Quality Bad - Out of Service",
        /// Quality Uncertain - Non Specific.
        QualityUncertainNonSpecific = "Quality Uncertain - Non Specific",
        /// Quality Uncertain - Last Usable Value.
        QualityUncertainLastUsableValue = "Quality Uncertain - Last Usable Value",
        /// Quality Uncertain - Sensor Not Accurate.
        QualityUncertainSensorNotAccurate = "Quality Uncertain - Sensor Not Accurate",
        /// Quality Uncertain - EU Units Exceeded.
        QualityUncertainEuUnitsExceeded = "Quality Uncertain - EU Units Exceeded",
        /// Quality Uncertain - Sub Normal.
        QualityUncertainSubNormal = "Quality Uncertain - Sub Normal",
        /// Quality Good - Non Specific.
        QualityGoodNonSpecific = "Quality Good - Non Specific",
        /// Quality Good - Local Override.
        QualityGoodLocalOverride = "Quality Good - Local Override",
        /// Quality Limit - Field/Not.
        QualityLimitFieldNot = "Quality Limit - Field/Not",
        /// Quality Limit - Field/Low.
        QualityLimitFieldLow = "Quality Limit - Field/Low",
        /// Quality Limit - Field/High.
        QualityLimitFieldHigh = "Quality Limit - Field/High",
        /// Quality Limit - Field/Constant.
        QualityLimitFieldConstant = "Quality Limit - Field/Constant",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_tokens_round_trip_and_reject_unknowns() {
        for s in EventStatus::ALL {
            assert_eq!(s.as_str().parse::<EventStatus>().unwrap(), *s);
        }
        assert!("canceled".parse::<EventStatus>().is_err());
        assert_eq!(
            serde_json::to_string(&SignalType::LoadControlSetpoint).unwrap(),
            "\"x-loadControlSetpoint\""
        );
    }

    #[test]
    fn open_tokens_accept_extensions_only_with_x_prefix() {
        assert_eq!("SIMPLE".parse::<SignalName>().unwrap(), SignalName::Simple);
        assert_eq!(
            "x-custom".parse::<SignalName>().unwrap(),
            SignalName::Extension("x-custom".into())
        );
        assert!("CUSTOM".parse::<SignalName>().is_err());
        assert!("x- ".parse::<SignalName>().is_err());
        assert!(ReportName::MetadataTelemetryUsage.is_metadata());
        assert_eq!(
            ReportName::MetadataTelemetryUsage.data_name(),
            Some(ReportName::TelemetryUsage)
        );
    }
}
