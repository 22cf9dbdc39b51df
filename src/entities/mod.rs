//! SeaORM entities: the tables as they are. No serde or ToSchema here; DTOs convert.
pub mod account;
pub mod bloc;
pub mod login_failure;
pub mod refresh_token;
