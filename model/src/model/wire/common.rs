//! Shared conversions: eiResponse, oadrResponse, targets, item bases, registration ids.

use super::{model_token, token_text, token_value, Path, Result};
use crate::model::{
    Area, Asset, EiResponse, FeatureCollection, ItemBase, ItemKind, Node, PowerAttributes,
    Response, ResponseCode, Targets, TransportInterface,
};
use crate::wire::generated::{ei, emix, gml, oadr, power, xs};

pub(crate) fn schema_version() -> ei::SchemaVersionType {
    ei::SchemaVersionType::SchemaVersionEnumeratedType(ei::SchemaVersionEnumeratedType::_20B)
}

pub(crate) fn ei_response_from(w: &ei::EiResponseType, p: &Path) -> Result<EiResponse> {
    let code = ResponseCode::parse(&w.response_code.0).ok_or_else(|| {
        p.at("responseCode")
            .err(format!("{:?} is not a 3-digit code", w.response_code.0))
    })?;
    Ok(EiResponse {
        response_code: code,
        response_description: w.response_description.clone(),
        request_id: w.request_id.clone(),
    })
}

pub(crate) fn ei_response_to(m: &EiResponse, p: &Path) -> Result<ei::EiResponseType> {
    Ok(ei::EiResponseType {
        response_code: ei::ResponseCodeType::new(m.response_code.to_string())
            .map_err(|e| p.at("responseCode").err(format!("{e:?}")))?,
        response_description: m.response_description.clone(),
        request_id: m.request_id.clone(),
    })
}

pub(crate) fn response_from(w: &oadr::OadrResponseType, p: &Path) -> Result<Response> {
    Ok(Response {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn response_to(m: &Response, p: &Path) -> Result<oadr::OadrResponseType> {
    Ok(oadr::OadrResponseType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        ven_id: m.ven_id.clone(),
    })
}

/// `ei:registrationID` (typed `xs:anyType` by the generator: its declaration has no type
/// and inherits `ei:UidType`, a string, through its substitution group head).
pub(crate) fn registration_id_from(w: &ei::RegistrationId) -> String {
    w.text_before
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
}

pub(crate) fn registration_id_to(m: &str) -> ei::RegistrationId {
    xs::AnyType {
        any_attribute: Default::default(),
        text_before: if m.is_empty() {
            None
        } else {
            Some(crate::wire::runtime::Text::new(m))
        },
        any: Vec::new(),
    }
}

/// An empty `xs:anyType` value (`xcal:components`).
pub(crate) fn empty_any() -> xs::AnyType {
    xs::AnyType {
        any_attribute: Default::default(),
        text_before: None,
        any: Vec::new(),
    }
}

// ---- targets ----

fn area_from(fc: &gml::FeatureCollectionElementType) -> Area {
    Area {
        feature_collection: FeatureCollection {
            id: fc.id.clone(),
            polygon_id: fc.location.polygon.id.clone(),
            pos_list: fc.location.polygon.exterior.linear_ring.pos_list.0.clone(),
        },
    }
}

fn area_to(a: &Area) -> gml::FeatureCollectionElementType {
    let f = &a.feature_collection;
    gml::FeatureCollectionElementType {
        id: f.id.clone(),
        location: gml::FeatureCollectionLocationElementType {
            polygon: gml::FeatureCollectionLocationPolygonElementType {
                id: f.polygon_id.clone(),
                exterior: gml::FeatureCollectionLocationPolygonExteriorElementType {
                    linear_ring:
                        gml::FeatureCollectionLocationPolygonExteriorLinearRingElementType {
                            pos_list: gml::DoubleListType(f.pos_list.clone()),
                        },
                },
            },
        },
    }
}

pub(crate) fn targets_from(w: &ei::EiTargetType) -> Targets {
    Targets {
        aggregated_pnode: w
            .aggregated_pnode
            .iter()
            .map(|x| Node {
                node: x.node.clone(),
            })
            .collect(),
        end_device_asset: w
            .end_device_asset
            .iter()
            .map(|x| Asset {
                mrid: x.mrid.clone(),
            })
            .collect(),
        meter_asset: w
            .meter_asset
            .iter()
            .map(|x| Asset {
                mrid: x.mrid.clone(),
            })
            .collect(),
        pnode: w
            .pnode
            .iter()
            .map(|x| Node {
                node: x.node.clone(),
            })
            .collect(),
        service_area: w
            .service_area
            .iter()
            .map(|x| area_from(&x.feature_collection))
            .collect(),
        service_delivery_point: w
            .service_delivery_point
            .iter()
            .map(|x| Node {
                node: x.node.clone(),
            })
            .collect(),
        service_location: w
            .service_location
            .iter()
            .map(|x| area_from(&x.feature_collection))
            .collect(),
        transport_interface: w
            .transport_interface
            .iter()
            .map(|x| TransportInterface {
                point_of_receipt: x.point_of_receipt.clone(),
                point_of_delivery: x.point_of_delivery.clone(),
            })
            .collect(),
        group_id: w.group_id.clone(),
        group_name: w.group_name.clone(),
        resource_id: w.resource_id.clone(),
        ven_id: w.ven_id.clone(),
        party_id: w.party_id.clone(),
    }
}

pub(crate) fn targets_to(m: &Targets) -> ei::EiTargetType {
    ei::EiTargetType {
        aggregated_pnode: m
            .aggregated_pnode
            .iter()
            .map(|x| power::AggregatedPnodeType {
                node: x.node.clone(),
            })
            .collect(),
        end_device_asset: m
            .end_device_asset
            .iter()
            .map(|x| power::EndDeviceAssetType {
                mrid: x.mrid.clone(),
            })
            .collect(),
        meter_asset: m
            .meter_asset
            .iter()
            .map(|x| power::MeterAssetType {
                mrid: x.mrid.clone(),
            })
            .collect(),
        pnode: m
            .pnode
            .iter()
            .map(|x| power::PnodeType {
                node: x.node.clone(),
            })
            .collect(),
        service_area: m
            .service_area
            .iter()
            .map(|a| emix::ServiceAreaType {
                feature_collection: area_to(a),
            })
            .collect(),
        service_delivery_point: m
            .service_delivery_point
            .iter()
            .map(|x| power::ServiceDeliveryPointType {
                node: x.node.clone(),
            })
            .collect(),
        service_location: m
            .service_location
            .iter()
            .map(|a| power::ServiceLocationType {
                feature_collection: area_to(a),
            })
            .collect(),
        transport_interface: m
            .transport_interface
            .iter()
            .map(|x| power::TransportInterfaceType {
                point_of_receipt: x.point_of_receipt.clone(),
                point_of_delivery: x.point_of_delivery.clone(),
            })
            .collect(),
        group_id: m.group_id.clone(),
        group_name: m.group_name.clone(),
        resource_id: m.resource_id.clone(),
        ven_id: m.ven_id.clone(),
        party_id: m.party_id.clone(),
    }
}

// ---- item bases ----

fn plain(
    name: ItemKind,
    d: &str,
    u: &str,
    s: &crate::wire::generated::scale::SiScaleCodeType,
    p: &Path,
) -> Result<ItemBase> {
    Ok(ItemBase {
        name,
        description: d.to_owned(),
        unit: u.to_owned(),
        scale: Some(model_token(s, &p.at("siScaleCode"))?),
        power_attributes: None,
        pulse_factor: None,
    })
}

fn attrs_from(a: &power::PowerAttributesType) -> Option<PowerAttributes> {
    Some(PowerAttributes {
        hertz: a.hertz,
        voltage: a.voltage,
        ac: a.ac,
    })
}

/// An optional `emix:itemBase` → model. `oadrGBDataDescription` (an Atom feed describing a
/// Green Button data point) has no model: it reads as `None` and stays in the wire payload.
pub(crate) fn opt_item_from(w: &Option<emix::ItemBase>, p: &Path) -> Result<Option<ItemBase>> {
    match w {
        None | Some(emix::ItemBase::OadrGbDataDescription(_)) => Ok(None),
        Some(i) => item_from(i, p).map(Some),
    }
}

/// `emix:itemBase` → model. `p` is the parent element's path.
pub(crate) fn item_from(w: &emix::ItemBase, p: &Path) -> Result<ItemBase> {
    use emix::ItemBase as I;
    use ItemKind as K;
    macro_rules! three {
        ($kind:expr, $x:expr, $el:literal) => {
            plain(
                $kind,
                &$x.item_description,
                &$x.item_units,
                &$x.si_scale_code,
                &p.at($el),
            )
        };
    }
    macro_rules! powered {
        ($kind:expr, $x:expr, $el:literal) => {{
            let mut m = three!($kind, $x, $el)?;
            m.power_attributes = attrs_from(&$x.power_attributes);
            Ok(m)
        }};
    }
    macro_rules! currency {
        ($kind:expr, $x:expr, $el:literal) => {{
            let q = p.at($el);
            Ok(ItemBase {
                name: $kind,
                description: token_text(&$x.item_description, &q.at("itemDescription"))?,
                unit: token_text(&$x.item_units, &q.at("itemUnits"))?,
                scale: Some(model_token(&$x.si_scale_code, &q.at("siScaleCode"))?),
                power_attributes: None,
                pulse_factor: None,
            })
        }};
    }
    match w {
        I::Voltage(x) => three!(K::Voltage, x, "voltage"),
        I::EnergyApparent(x) => three!(K::EnergyApparent, x, "energyApparent"),
        I::EnergyReactive(x) => three!(K::EnergyReactive, x, "energyReactive"),
        I::EnergyReal(x) => three!(K::EnergyReal, x, "energyReal"),
        I::PowerApparent(x) => powered!(K::PowerApparent, x, "powerApparent"),
        I::PowerReactive(x) => powered!(K::PowerReactive, x, "powerReactive"),
        I::PowerReal(x) => powered!(K::PowerReal, x, "powerReal"),
        I::CustomUnit(x) => three!(K::CustomUnit, x, "customUnit"),
        I::Current(x) => three!(K::Current, x, "current"),
        I::Frequency(x) => three!(K::Frequency, x, "frequency"),
        I::Therm(x) => three!(K::Therm, x, "Therm"),
        I::Currency(x) => currency!(K::Currency, x, "currency"),
        I::CurrencyPerKWh(x) => currency!(K::CurrencyPerKWh, x, "currencyPerKWh"),
        I::CurrencyPerKw(x) => currency!(K::CurrencyPerKW, x, "currencyPerKW"),
        I::CurrencyPerThm(x) => currency!(K::CurrencyPerThm, x, "currencyPerThm"),
        I::Temperature(x) => {
            let q = p.at("temperature");
            Ok(ItemBase {
                name: K::Temperature,
                description: x.item_description.clone(),
                unit: token_text(&x.item_units, &q.at("itemUnits"))?,
                scale: Some(model_token(&x.si_scale_code, &q.at("siScaleCode"))?),
                power_attributes: None,
                pulse_factor: None,
            })
        }
        I::PulseCount(x) => Ok(ItemBase {
            name: K::PulseCount,
            description: x.item_description.clone(),
            unit: x.item_units.clone(),
            scale: None,
            power_attributes: None,
            pulse_factor: Some(x.pulse_factor),
        }),
        I::EnergyItem(_) | I::PowerItem(_) => {
            Err(p.err("abstract energyItem/powerItem cannot appear in a message"))
        }
        I::OadrGbDataDescription(_) => Err(p
            .at("oadrGBDataDescription")
            .err("oadrGBDataDescription (an Atom feed) has no model; use the wire payload")),
    }
}

/// model → `emix:itemBase`.
pub(crate) fn item_to(m: &ItemBase, p: &Path) -> Result<emix::ItemBase> {
    use emix::ItemBase as I;
    use ItemKind as K;
    let q = p.at(m.name.as_str());
    let scale = || -> Result<_> {
        let s = m.scale.ok_or_else(|| q.err("siScaleCode is required"))?;
        token_value(s.as_str(), &q.at("siScaleCode"))
    };
    let attrs = || -> Result<power::PowerAttributesType> {
        let a = m
            .power_attributes
            .ok_or_else(|| q.err("powerAttributes is required"))?;
        Ok(power::PowerAttributesType {
            hertz: a.hertz,
            voltage: a.voltage,
            ac: a.ac,
        })
    };
    let (d, u) = (m.description.clone(), m.unit.clone());
    macro_rules! three {
        ($m:ident :: $t:ident) => {
            $m::$t {
                item_description: d,
                item_units: u,
                si_scale_code: scale()?,
            }
        };
    }
    macro_rules! powered {
        ($m:ident :: $t:ident) => {
            $m::$t {
                item_description: d,
                item_units: u,
                si_scale_code: scale()?,
                power_attributes: attrs()?,
            }
        };
    }
    let currency = || -> Result<oadr::CurrencyType> {
        Ok(oadr::CurrencyType {
            item_description: token_value(&m.description, &q.at("itemDescription"))?,
            item_units: token_value(&m.unit, &q.at("itemUnits"))?,
            si_scale_code: scale()?,
        })
    };
    Ok(match m.name {
        K::Voltage => I::Voltage(three!(power::VoltageType)),
        K::EnergyApparent => I::EnergyApparent(three!(power::EnergyApparentType)),
        K::EnergyReactive => I::EnergyReactive(three!(power::EnergyReactiveType)),
        K::EnergyReal => I::EnergyReal(three!(power::EnergyRealType)),
        K::PowerApparent => I::PowerApparent(powered!(power::PowerApparentType)),
        K::PowerReactive => I::PowerReactive(powered!(power::PowerReactiveType)),
        K::PowerReal => I::PowerReal(powered!(power::PowerRealType)),
        K::CustomUnit => I::CustomUnit(three!(oadr::BaseUnitType)),
        K::Current => I::Current(three!(oadr::CurrentType)),
        K::Frequency => I::Frequency(three!(oadr::FrequencyType)),
        K::Therm => I::Therm(three!(oadr::ThermType)),
        K::Currency => I::Currency(currency()?),
        K::CurrencyPerKWh => I::CurrencyPerKWh(currency()?),
        K::CurrencyPerKW => I::CurrencyPerKw(currency()?),
        K::CurrencyPerThm => I::CurrencyPerThm(currency()?),
        K::Temperature => I::Temperature(oadr::TemperatureType {
            item_description: d,
            item_units: token_value(&m.unit, &q.at("itemUnits"))?,
            si_scale_code: scale()?,
        }),
        K::PulseCount => I::PulseCount(oadr::PulseCountType {
            item_description: d,
            item_units: u,
            pulse_factor: m
                .pulse_factor
                .ok_or_else(|| q.err("pulseFactor is required"))?,
        }),
    })
}
