//! The built-in ECS+IAM simulator.
