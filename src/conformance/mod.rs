//! The 2.0b conformance rules the XSD cannot express.
