//! The Huawei Cloud client.

pub mod sign;
pub mod wire;
