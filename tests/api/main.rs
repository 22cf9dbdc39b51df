//! Black-box tests: each spawns the real service on port 0 and talks HTTP to it.
//! SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (see helpers.rs).
mod auth;
mod bad_tokens;
mod campaigns;
mod changes;
mod cli;
mod clients;
mod concurrency;
mod directives;
mod errors;
mod exports;
mod faults;
mod followup;
mod helpers;
mod instances;
mod isolation;
mod jwks;
mod openapi;
mod operations;
mod overlap;
mod reports;
mod roles;
mod security;
mod structure;
mod supervision;
mod tasks;
mod webhooks;
