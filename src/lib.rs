//! khoi: the JSON REST API of a bloc agency (cơ quan Khối) of the Fatherland Front and the
//! socio-political organisations. `main.rs` only parses the command line; everything else is here
//! so the black-box tests can start the real application on port 0.
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod blocs;
pub mod campaigns;
pub mod cli;
pub mod concurrency;
pub mod config;
pub mod db;
pub mod directives;
pub mod entities;
pub mod error;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod organisations;
pub mod pagination;
pub mod policy;
pub mod refs;
pub mod routes;
pub mod search;
pub mod seed;
pub mod staff;
pub mod startup;
pub mod sub_committees;
pub mod supervisions;
pub mod tasks;
pub mod telemetry;
pub mod tenancy;
pub mod text;
pub mod units;
pub mod validate;
