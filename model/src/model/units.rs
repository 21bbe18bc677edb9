//! `emix:itemBase` and its substitutes: the unit of a signal, baseline or report data point.
//!
//! JSON follows OpenLEADR's `measurement` dict: `{"name": "powerReal", "description":
//! "RealPower", "unit": "W", "scale": "k", "power_attributes": {"hertz": 60, "voltage":
//! 120, "ac": true}}`.

use super::tokens::{SiScaleCode, TokenError};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Which `emix:itemBase` substitute (element name, spec digest §6 "itemBase elements").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemKind {
    /// `power:voltage` – Voltage / V.
    Voltage,
    /// `power:energyApparent` – ApparentEnergy / VAh.
    EnergyApparent,
    /// `power:energyReactive` – ReactiveEnergy / VARh.
    EnergyReactive,
    /// `power:energyReal` – RealEnergy / Wh.
    EnergyReal,
    /// `power:powerApparent` – ApparentPower / VA.
    PowerApparent,
    /// `power:powerReactive` – ReactivePower / VAR.
    PowerReactive,
    /// `power:powerReal` – RealPower / W (or J/s).
    PowerReal,
    /// `oadr:customUnit` – free description and units.
    CustomUnit,
    /// `oadr:current` – Current / A.
    Current,
    /// `oadr:currency` – ISO 4217 code.
    Currency,
    /// `oadr:currencyPerKWh`.
    CurrencyPerKWh,
    /// `oadr:currencyPerKW`.
    CurrencyPerKW,
    /// `oadr:currencyPerThm`.
    CurrencyPerThm,
    /// `oadr:frequency` – Frequency / Hz.
    Frequency,
    /// `oadr:Therm` – Therm / thm.
    Therm,
    /// `oadr:temperature` – temperature / celsius or fahrenheit.
    Temperature,
    /// `oadr:pulseCount` – pulse count / count, with a pulse factor.
    PulseCount,
}

impl ItemKind {
    /// Every kind, power namespace first.
    pub const ALL: &'static [ItemKind] = &[
        ItemKind::Voltage,
        ItemKind::EnergyApparent,
        ItemKind::EnergyReactive,
        ItemKind::EnergyReal,
        ItemKind::PowerApparent,
        ItemKind::PowerReactive,
        ItemKind::PowerReal,
        ItemKind::CustomUnit,
        ItemKind::Current,
        ItemKind::Currency,
        ItemKind::CurrencyPerKWh,
        ItemKind::CurrencyPerKW,
        ItemKind::CurrencyPerThm,
        ItemKind::Frequency,
        ItemKind::Therm,
        ItemKind::Temperature,
        ItemKind::PulseCount,
    ];

    /// The element's local name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Voltage => "voltage",
            ItemKind::EnergyApparent => "energyApparent",
            ItemKind::EnergyReactive => "energyReactive",
            ItemKind::EnergyReal => "energyReal",
            ItemKind::PowerApparent => "powerApparent",
            ItemKind::PowerReactive => "powerReactive",
            ItemKind::PowerReal => "powerReal",
            ItemKind::CustomUnit => "customUnit",
            ItemKind::Current => "current",
            ItemKind::Currency => "currency",
            ItemKind::CurrencyPerKWh => "currencyPerKWh",
            ItemKind::CurrencyPerKW => "currencyPerKW",
            ItemKind::CurrencyPerThm => "currencyPerThm",
            ItemKind::Frequency => "frequency",
            ItemKind::Therm => "Therm",
            ItemKind::Temperature => "temperature",
            ItemKind::PulseCount => "pulseCount",
        }
    }

    /// Whether the element is in the `power` namespace (and the power kinds carry
    /// `power:powerAttributes`).
    pub fn is_power_namespace(self) -> bool {
        matches!(
            self,
            ItemKind::Voltage
                | ItemKind::EnergyApparent
                | ItemKind::EnergyReactive
                | ItemKind::EnergyReal
                | ItemKind::PowerApparent
                | ItemKind::PowerReactive
                | ItemKind::PowerReal
        )
    }

    /// Whether the schema requires `power:powerAttributes`.
    pub fn has_power_attributes(self) -> bool {
        matches!(
            self,
            ItemKind::PowerApparent | ItemKind::PowerReactive | ItemKind::PowerReal
        )
    }

    /// Whether this is one of the four currency kinds.
    pub fn is_currency(self) -> bool {
        matches!(
            self,
            ItemKind::Currency
                | ItemKind::CurrencyPerKWh
                | ItemKind::CurrencyPerKW
                | ItemKind::CurrencyPerThm
        )
    }

    /// The `itemDescription` the schema fixes for this kind, if it fixes one.
    pub fn fixed_description(self) -> Option<&'static str> {
        Some(match self {
            ItemKind::Voltage => "Voltage",
            ItemKind::EnergyApparent => "ApparentEnergy",
            ItemKind::EnergyReactive => "ReactiveEnergy",
            ItemKind::EnergyReal => "RealEnergy",
            ItemKind::PowerApparent => "ApparentPower",
            ItemKind::PowerReactive => "ReactivePower",
            ItemKind::PowerReal => "RealPower",
            ItemKind::Current => "Current",
            ItemKind::Frequency => "Frequency",
            ItemKind::Therm => "Therm",
            ItemKind::Temperature => "temperature",
            ItemKind::PulseCount => "pulse count",
            _ => return None,
        })
    }

    /// The `itemUnits` values the schema allows; `None` when any text (or any ISO 4217
    /// code, for currencies) is allowed.
    pub fn allowed_units(self) -> Option<&'static [&'static str]> {
        Some(match self {
            ItemKind::Voltage => &["V"],
            ItemKind::EnergyApparent => &["VAh"],
            ItemKind::EnergyReactive => &["VARh"],
            ItemKind::EnergyReal => &["Wh"],
            ItemKind::PowerApparent => &["VA"],
            ItemKind::PowerReactive => &["VAR"],
            ItemKind::PowerReal => &["W", "J/s"],
            ItemKind::Current => &["A"],
            ItemKind::Frequency => &["Hz"],
            ItemKind::Therm => &["thm"],
            ItemKind::Temperature => &["celsius", "fahrenheit"],
            ItemKind::PulseCount => &["count"],
            _ => return None,
        })
    }
}

impl FromStr for ItemKind {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<ItemKind, TokenError> {
        ItemKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| TokenError {
                what: "emix:itemBase substitute",
                value: s.to_owned(),
            })
    }
}

impl Serialize for ItemKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ItemKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ItemKind, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `power:powerAttributes`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerAttributes {
    /// `power:hertz` (xs:decimal).
    pub hertz: f64,
    /// `power:voltage` (xs:decimal).
    pub voltage: f64,
    /// `power:ac`: alternating (true) or direct current.
    #[serde(deserialize_with = "crate::model::common::lenient::bool")]
    pub ac: bool,
}

/// A unit of measure (`emix:itemBase` substitute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemBase {
    /// Which element.
    pub name: ItemKind,
    /// `itemDescription`.
    pub description: String,
    /// `itemUnits`.
    pub unit: String,
    /// `scale:siScaleCode` (absent only for `pulseCount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<SiScaleCode>,
    /// `power:powerAttributes` (power kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_attributes: Option<PowerAttributes>,
    /// `oadr:pulseFactor` (pulseCount only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::model::common::lenient::xs_float::opt"
    )]
    pub pulse_factor: Option<f32>,
}

impl ItemBase {
    fn fixed(kind: ItemKind, unit: &str) -> ItemBase {
        ItemBase {
            name: kind,
            description: kind.fixed_description().unwrap_or(kind.as_str()).to_owned(),
            unit: unit.to_owned(),
            scale: Some(SiScaleCode::None),
            power_attributes: None,
            pulse_factor: None,
        }
    }

    /// `power:powerReal` in W with the given scale and power attributes.
    pub fn power_real(scale: SiScaleCode, attrs: PowerAttributes) -> ItemBase {
        ItemBase {
            scale: Some(scale),
            power_attributes: Some(attrs),
            ..ItemBase::fixed(ItemKind::PowerReal, "W")
        }
    }

    /// `power:energyReal` in Wh with the given scale.
    pub fn energy_real(scale: SiScaleCode) -> ItemBase {
        ItemBase {
            scale: Some(scale),
            ..ItemBase::fixed(ItemKind::EnergyReal, "Wh")
        }
    }

    /// `power:voltage` in V.
    pub fn voltage(scale: SiScaleCode) -> ItemBase {
        ItemBase {
            scale: Some(scale),
            ..ItemBase::fixed(ItemKind::Voltage, "V")
        }
    }

    /// A currency kind (`currency`, `currencyPerKWh`, `currencyPerKW`, `currencyPerThm`)
    /// with an ISO 4217 code such as `USD`.
    pub fn currency(kind: ItemKind, code: impl Into<String>) -> ItemBase {
        // currencyPerThm's description enumeration has no `currencyPerThm`: the schema
        // only allows currency / currencyPerKW / currencyPerKWh (OpenLEADR uses `currency`).
        let description = match kind {
            ItemKind::CurrencyPerKWh => "currencyPerKWh",
            ItemKind::CurrencyPerKW => "currencyPerKW",
            _ => "currency",
        };
        ItemBase {
            name: kind,
            description: description.to_owned(),
            unit: code.into(),
            scale: Some(SiScaleCode::None),
            power_attributes: None,
            pulse_factor: None,
        }
    }

    /// `oadr:temperature` in `celsius` or `fahrenheit`.
    pub fn temperature(fahrenheit: bool) -> ItemBase {
        ItemBase::fixed(
            ItemKind::Temperature,
            if fahrenheit { "fahrenheit" } else { "celsius" },
        )
    }

    /// `oadr:customUnit` with free text.
    pub fn custom(description: impl Into<String>, unit: impl Into<String>) -> ItemBase {
        ItemBase {
            description: description.into(),
            unit: unit.into(),
            ..ItemBase::fixed(ItemKind::CustomUnit, "")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_openleadrs_measurement_dict() {
        let m = ItemBase::power_real(
            SiScaleCode::Kilo,
            PowerAttributes {
                hertz: 60.0,
                voltage: 120.0,
                ac: true,
            },
        );
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "powerReal", "description": "RealPower", "unit": "W",
                "scale": "k", "power_attributes": {"hertz": 60.0, "voltage": 120.0, "ac": true}})
        );
        assert_eq!(serde_json::from_value::<ItemBase>(v).unwrap(), m);
        assert!(serde_json::from_value::<ItemBase>(
            serde_json::json!({"name": "watts", "description": "", "unit": ""})
        )
        .is_err());
    }

    #[test]
    fn kinds_know_their_fixed_values() {
        assert_eq!(ItemKind::EnergyReal.allowed_units(), Some(&["Wh"][..]));
        assert_eq!(ItemKind::CustomUnit.allowed_units(), None);
        assert!(ItemKind::PowerReal.has_power_attributes());
        assert!(!ItemKind::Voltage.has_power_attributes());
        for k in ItemKind::ALL {
            assert_eq!(k.as_str().parse::<ItemKind>().unwrap(), *k);
        }
    }
}
