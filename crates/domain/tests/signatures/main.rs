//! The signature module end to end: the providers' published vectors, sign→verify for every
//! scheme with each way a request goes wrong, the likely-cause diagnosis, detection, the custom
//! scheme, and a no-panic sweep over arbitrary bytes (plus the committed fuzz corpus).

mod support;

mod conformance;
mod custom;
mod detection;
mod diagnosis;
mod robustness;
mod shape;
mod vectors;
