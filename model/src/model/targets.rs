//! `ei:eiTarget` (`ei:EiTargetType`): who an event, signal, opt or report applies to.
//!
//! The schema holds each kind of target in its own repeated element, in a fixed order; so
//! does [`Targets`]. In JSON there are two forms, both OpenLEADR's:
//! - where the element is `ei:eiTarget` (events, signals, opts), a list of single-key dicts
//!   under `targets` (`[{"ven_id": "v1"}, {"group_id": "g"}]`) plus the derived
//!   `targets_by_type` (`{"ven_id": ["v1"], "group_id": ["g"]}`) — see [`TargetsField`];
//! - where it is `ei:reportSubject`, `ei:reportDataSource` or `oadr:oadrDeviceClass`, a dict
//!   with one key per kind, a scalar for one element and a list for several — see [`as_dict`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `power:endDeviceAsset` / `power:meterAsset`: an asset by its IEC 61968 mRID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// `power:mrid`.
    pub mrid: String,
}

/// `power:pnode`, `power:aggregatedPnode`, `power:serviceDeliveryPoint`: a node name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// `power:node`.
    pub node: String,
}

/// `power:transportInterface`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportInterface {
    /// `power:pointOfReceipt`.
    pub point_of_receipt: String,
    /// `power:pointOfDelivery`.
    pub point_of_delivery: String,
}

/// `gml:FeatureCollection` as the 2.0b schema restricts it: one polygon's exterior ring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureCollection {
    /// `@gml:id` of the collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `@gml:id` of the polygon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polygon_id: Option<String>,
    /// `gml:posList` of `location/Polygon/exterior/LinearRing`.
    pub pos_list: Vec<f64>,
}

/// `emix:serviceArea` / `power:serviceLocation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// `gml:FeatureCollection`.
    #[serde(rename = "FeatureCollection")]
    pub feature_collection: FeatureCollection,
}

/// `ei:EiTargetType`: every kind of target, each in schema order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Targets {
    /// `power:aggregatedPnode`.
    pub aggregated_pnode: Vec<Node>,
    /// `power:endDeviceAsset`.
    pub end_device_asset: Vec<Asset>,
    /// `power:meterAsset`.
    pub meter_asset: Vec<Asset>,
    /// `power:pnode`.
    pub pnode: Vec<Node>,
    /// `emix:serviceArea`.
    pub service_area: Vec<Area>,
    /// `power:serviceDeliveryPoint`.
    pub service_delivery_point: Vec<Node>,
    /// `power:serviceLocation`.
    pub service_location: Vec<Area>,
    /// `power:transportInterface`.
    pub transport_interface: Vec<TransportInterface>,
    /// `ei:groupID`.
    pub group_id: Vec<String>,
    /// `ei:groupName`.
    pub group_name: Vec<String>,
    /// `ei:resourceID`.
    pub resource_id: Vec<String>,
    /// `ei:venID`.
    pub ven_id: Vec<String>,
    /// `ei:partyID`.
    pub party_id: Vec<String>,
}

/// Apply `$m!(key, field, is_string)` to every kind, in schema order.
macro_rules! each_kind {
    ($m:ident) => {
        $m!("aggregated_pnode", aggregated_pnode);
        $m!("end_device_asset", end_device_asset);
        $m!("meter_asset", meter_asset);
        $m!("pnode", pnode);
        $m!("service_area", service_area);
        $m!("service_delivery_point", service_delivery_point);
        $m!("service_location", service_location);
        $m!("transport_interface", transport_interface);
        $m!("group_id", group_id);
        $m!("group_name", group_name);
        $m!("resource_id", resource_id);
        $m!("ven_id", ven_id);
        $m!("party_id", party_id);
    };
}

impl Targets {
    /// No targets (`<ei:eiTarget/>`).
    pub fn new() -> Targets {
        Targets::default()
    }

    /// Targets naming these VENs.
    pub fn vens<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Targets {
        Targets {
            ven_id: ids.into_iter().map(Into::into).collect(),
            ..Targets::default()
        }
    }

    /// Add a `venID`.
    pub fn ven(mut self, id: impl Into<String>) -> Targets {
        self.ven_id.push(id.into());
        self
    }

    /// Add a `groupID`.
    pub fn group(mut self, id: impl Into<String>) -> Targets {
        self.group_id.push(id.into());
        self
    }

    /// Add a `resourceID`.
    pub fn resource(mut self, id: impl Into<String>) -> Targets {
        self.resource_id.push(id.into());
        self
    }

    /// Add a `partyID`.
    pub fn party(mut self, id: impl Into<String>) -> Targets {
        self.party_id.push(id.into());
        self
    }

    /// Add an `endDeviceAsset` by mRID (e.g. `Thermostat`).
    pub fn end_device(mut self, mrid: impl Into<String>) -> Targets {
        self.end_device_asset.push(Asset { mrid: mrid.into() });
        self
    }

    /// Whether no target of any kind is present.
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        macro_rules! check {
            ($k:literal, $f:ident) => {
                empty &= self.$f.is_empty();
            };
        }
        each_kind!(check);
        empty
    }

    /// OpenLEADR's list form: one single-key dict per target, in schema order.
    pub fn to_list(&self) -> Vec<Value> {
        let mut out = Vec::new();
        macro_rules! push {
            ($k:literal, $f:ident) => {
                for v in &self.$f {
                    let mut m = Map::new();
                    m.insert($k.into(), serde_json::to_value(v).unwrap_or(Value::Null));
                    out.push(Value::Object(m));
                }
            };
        }
        each_kind!(push);
        out
    }

    /// OpenLEADR's `targets_by_type`: kind → list of values.
    pub fn to_by_type(&self) -> Map<String, Value> {
        let mut m = Map::new();
        macro_rules! put {
            ($k:literal, $f:ident) => {
                if !self.$f.is_empty() {
                    m.insert(
                        $k.into(),
                        serde_json::to_value(&self.$f).unwrap_or(Value::Null),
                    );
                }
            };
        }
        each_kind!(put);
        m
    }

    /// The dict form: kind → value (one element) or list (several).
    pub fn to_dict(&self) -> Map<String, Value> {
        let mut m = Map::new();
        macro_rules! put {
            ($k:literal, $f:ident) => {
                match self.$f.as_slice() {
                    [] => {}
                    [one] => {
                        m.insert($k.into(), serde_json::to_value(one).unwrap_or(Value::Null));
                    }
                    many => {
                        m.insert($k.into(), serde_json::to_value(many).unwrap_or(Value::Null));
                    }
                }
            };
        }
        each_kind!(put);
        m
    }

    /// Read the dict form (also accepts `targets_by_type`, where every value is a list).
    pub fn from_dict(m: &Map<String, Value>) -> Result<Targets, String> {
        let mut t = Targets::default();
        for (k, v) in m {
            let items: Vec<Value> = match v {
                Value::Array(a) => a.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            t.add(k, items)?;
        }
        Ok(t)
    }

    /// Read OpenLEADR's list form.
    pub fn from_list(list: &[Value]) -> Result<Targets, String> {
        let mut t = Targets::default();
        for item in list {
            let obj = item
                .as_object()
                .ok_or_else(|| format!("a target must be a dict, got {item}"))?;
            for (k, v) in obj {
                if !v.is_null() {
                    t.add(k, vec![v.clone()])?;
                }
            }
        }
        Ok(t)
    }

    fn add(&mut self, key: &str, items: Vec<Value>) -> Result<(), String> {
        macro_rules! add {
            ($k:literal, $f:ident) => {
                if key == $k {
                    for v in items {
                        let v = match v {
                            Value::Number(n) => Value::String(n.to_string()),
                            other => other,
                        };
                        self.$f.push(
                            serde_json::from_value(v).map_err(|e| format!("target {}: {e}", $k))?,
                        );
                    }
                    return Ok(());
                }
            };
        }
        each_kind!(add);
        Err(format!("unknown target kind {key:?}"))
    }
}

/// `ei:eiTarget` as a struct field: serializes as `targets` (list form) and
/// `targets_by_type`; reads either (a `targets` list wins). Use with `#[serde(flatten)]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetsField(pub Targets);

impl Serialize for TargetsField {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("targets", &self.0.to_list())?;
        m.serialize_entry("targets_by_type", &self.0.to_by_type())?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for TargetsField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TargetsField, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            targets: Option<Vec<Value>>,
            #[serde(default)]
            targets_by_type: Option<Map<String, Value>>,
        }
        let raw = Raw::deserialize(d)?;
        let t = match (raw.targets, raw.targets_by_type) {
            (Some(list), _) => Targets::from_list(&list),
            (None, Some(by_type)) => Targets::from_dict(&by_type),
            (None, None) => Ok(Targets::default()),
        };
        t.map(TargetsField).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter for the dict form of an optional [`Targets`]
/// (`#[serde(with = "targets::as_dict")]`).
pub mod as_dict {
    use super::*;

    /// Serialize `Some(targets)` as its dict form.
    pub fn serialize<S: serde::Serializer>(t: &Option<Targets>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => t.to_dict().serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Read the dict form; `null` is `None`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Targets>, D::Error> {
        let v: Option<Map<String, Value>> = Option::deserialize(d)?;
        v.map(|m| Targets::from_dict(&m))
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_form_is_openleadrs() {
        let t = Targets::vens(["v1", "v2"])
            .group("g1")
            .end_device("Thermostat");
        let v = serde_json::to_value(TargetsField(t.clone())).unwrap();
        assert_eq!(
            v,
            json!({
                "targets": [{"end_device_asset": {"mrid": "Thermostat"}}, {"group_id": "g1"},
                            {"ven_id": "v1"}, {"ven_id": "v2"}],
                "targets_by_type": {"end_device_asset": [{"mrid": "Thermostat"}],
                                    "group_id": ["g1"], "ven_id": ["v1", "v2"]}
            })
        );
        let back: TargetsField = serde_json::from_value(v).unwrap();
        assert_eq!(back.0, t);
        let by_type: TargetsField =
            serde_json::from_value(json!({"targets_by_type": {"ven_id": ["v1", "v2"]}})).unwrap();
        assert_eq!(by_type.0, Targets::vens(["v1", "v2"]));
    }

    #[test]
    fn dict_form_uses_scalars_for_single_elements() {
        let t = Targets::new().resource("r1").resource("r2").ven("v");
        let d = t.to_dict();
        assert_eq!(
            Value::Object(d.clone()),
            json!({"resource_id": ["r1", "r2"], "ven_id": "v"})
        );
        assert_eq!(Targets::from_dict(&d).unwrap(), t);
        assert!(Targets::from_dict(json!({"colour": "red"}).as_object().unwrap()).is_err());
        assert!(Targets::from_list(&[json!("v1")]).is_err());
    }
}
