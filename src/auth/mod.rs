//! Who is calling: roles, password hashing, JWT access tokens, the one authentication
//! middleware and the `Caller` it hands to handlers, and the admission of API clients. The
//! sign-in endpoints that issue tokens are a resource above this, in `sessions`.
pub(crate) mod caller;
pub mod clients;
pub mod password;
pub mod tokens;

pub use caller::{Caller, Known, Staffing};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a caller is. The bloc's own people are `bloc_head`, `deputy_head` and `staff`; `admin`
/// runs the installation; `portal` is the province's read-only service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    BlocHead,
    DeputyHead,
    Staff,
    Portal,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::BlocHead,
        Role::DeputyHead,
        Role::Staff,
        Role::Portal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::BlocHead => "bloc_head",
            Role::DeputyHead => "deputy_head",
            Role::Staff => "staff",
            Role::Portal => "portal",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that belong to one bloc and must carry its id.
    pub fn is_bloc_member(self) -> bool {
        matches!(self, Role::BlocHead | Role::DeputyHead | Role::Staff)
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
