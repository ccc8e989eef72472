//! Region ids that have an ECS endpoint (the official SDK's list, doc section 1).

pub const ECS_REGIONS: &[&str] = &[
    "cn-north-1",
    "cn-north-4",
    "cn-south-1",
    "cn-east-2",
    "cn-east-3",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-north-2",
    "cn-south-4",
    "na-mexico-1",
    "la-south-2",
    "cn-south-2",
    "cn-north-9",
    "cn-north-2",
    "ap-southeast-4",
    "tr-west-1",
    "me-east-1",
    "ae-ad-1",
    "cn-east-4",
    "eu-west-101",
    "cn-east-5",
    "eu-west-0",
    "my-kualalumpur-1",
    "af-north-1",
    "ru-moscow-1",
    "ap-southeast-5",
    "cn-north-11",
    "cn-north-12",
    "cn-southwest-3",
];

pub fn is_known(region: &str) -> bool {
    ECS_REGIONS.contains(&region)
}
