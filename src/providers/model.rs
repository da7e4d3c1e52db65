//! Provider rows and the create and update forms.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors};

use crate::db::schema::providers;
use crate::db::types::Timestamp;
use crate::validation::{
    double_option, normalize_tax_id, validate_npi, validate_phone, validate_plain_text,
    validate_postal_code, validate_state, validate_tax_id,
};

crate::typed_id!(
    /// Id of a provider.
    ProviderId
);

/// The roles a provider can play on a claim.
pub const ROLES: [&str; 3] = ["rendering", "billing", "referring"];

/// A provider as returned by the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provider {
    /// Provider id.
    pub id: ProviderId,
    /// National Provider Identifier (10 digits, unique).
    pub npi: String,
    /// `person` or `organization`.
    pub entity_type: String,
    /// Given name (persons only).
    pub first_name: Option<String>,
    /// Family name, or the organization's name.
    pub last_name: String,
    /// NUCC taxonomy code, e.g. `207Q00000X`.
    pub taxonomy: Option<String>,
    /// Roles: `rendering`, `billing`, `referring`.
    pub roles: Vec<String>,
    /// Employer identification number, 9 digits (required for billing providers).
    pub tax_id: Option<String>,
    /// Street address.
    pub address_line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Two-letter state.
    pub state: Option<String>,
    /// ZIP code.
    pub postal_code: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// False once deactivated.
    pub active: bool,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// A provider as stored: the roles are one comma-separated text column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = providers, treat_none_as_null = true)]
pub struct ProviderRow {
    id: ProviderId,
    npi: String,
    entity_type: String,
    first_name: Option<String>,
    last_name: String,
    taxonomy: Option<String>,
    roles: String,
    tax_id: Option<String>,
    address_line1: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    phone: Option<String>,
    active: bool,
    version: i32,
    #[diesel(skip_update)]
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&Provider> for ProviderRow {
    fn from(p: &Provider) -> Self {
        ProviderRow {
            id: p.id,
            npi: p.npi.clone(),
            entity_type: p.entity_type.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            taxonomy: p.taxonomy.clone(),
            roles: p.roles_text(),
            tax_id: p.tax_id.clone(),
            address_line1: p.address_line1.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            postal_code: p.postal_code.clone(),
            phone: p.phone.clone(),
            active: p.active,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<ProviderRow> for Provider {
    fn from(r: ProviderRow) -> Self {
        Provider {
            id: r.id,
            npi: r.npi,
            entity_type: r.entity_type,
            first_name: r.first_name,
            last_name: r.last_name,
            taxonomy: r.taxonomy,
            roles: r
                .roles
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            tax_id: r.tax_id,
            address_line1: r.address_line1,
            city: r.city,
            state: r.state,
            postal_code: r.postal_code,
            phone: r.phone,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl Provider {
    /// The roles in their stored form, `rendering,billing`.
    pub fn roles_text(&self) -> String {
        self.roles.join(",")
    }
}

/// A provider's role, as the document lists it (the model keeps roles as strings, see [`ROLES`]).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ProviderRole {
    /// Renders the service.
    Rendering,
    /// Bills for it.
    Billing,
    /// Referred the patient.
    Referring,
}

/// The body of `POST /v1/providers`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    /// NPI: 10 digits, the last a Luhn check digit.
    #[validate(custom(function = "validate_npi"))]
    #[schema(format = "npi", pattern = r"^[0-9]{10}$", example = "1234567893")]
    pub npi: String,
    /// `person` or `organization`.
    #[validate(custom(function = "validate_entity_type"))]
    #[schema(pattern = r"^(person|organization)$", example = "person")]
    pub entity_type: String,
    /// Given name; required for a person, absent for an organization.
    #[validate(
        length(
            min = 1,
            max = 35,
            message = "the first name must be 1 to 35 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 35,
        example = "Ana"
    )]
    pub first_name: Option<String>,
    /// Family name, or the organization's name.
    #[validate(
        length(
            min = 1,
            max = 60,
            message = "the last name must be 1 to 60 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Reyes"
    )]
    pub last_name: String,
    /// NUCC taxonomy code: 9 capital letters or digits followed by `X`.
    #[validate(custom(function = "validate_taxonomy"))]
    #[schema(pattern = r"^[0-9A-Z]{9}X$", example = "207Q00000X")]
    pub taxonomy: Option<String>,
    /// One or more of `rendering`, `billing`, `referring`, without repeats.
    #[validate(custom(function = "validate_roles"))]
    #[schema(value_type = BTreeSet<ProviderRole>, min_items = 1)]
    pub roles: Vec<String>,
    /// EIN (`NN-NNNNNNN` or 9 digits); required when the roles include `billing`.
    #[validate(custom(function = "validate_tax_id"))]
    #[schema(pattern = r"^(0[1-9]|[1-9][0-9])-?[0-9]{7}$", example = "12-3456789")]
    pub tax_id: Option<String>,
    /// Street address.
    #[validate(length(max = 55), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 55,
        example = "1 Clinic Way"
    )]
    pub address_line1: Option<String>,
    /// City.
    #[validate(length(max = 30), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 30,
        example = "Albany"
    )]
    pub city: Option<String>,
    /// Two-letter state.
    #[validate(custom(function = "validate_state"))]
    #[schema(pattern = r"^[A-Z]{2}$", example = "NY")]
    pub state: Option<String>,
    /// ZIP code.
    #[validate(custom(function = "validate_postal_code"))]
    #[schema(pattern = r"^-*([0-9]-*){5}$|^-*([0-9]-*){9}$", example = "12207")]
    pub postal_code: Option<String>,
    /// Phone.
    #[validate(custom(function = "validate_phone"))]
    #[schema(
        pattern = r"^[ ()+.-]*([0-9][ ()+.-]*){10}$|^ *(1|\+[ ()+.-]*[0-9])[ ()+.-]*([0-9][ ()+.-]*){10}$",
        example = "(518) 555-0100"
    )]
    pub phone: Option<String>,
}

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// `validator` rule: `person` or `organization`.
pub fn validate_entity_type(s: &str) -> Result<(), ValidationError> {
    match s {
        "person" | "organization" => Ok(()),
        _ => Err(rule(
            "invalid_entity_type",
            "entity_type must be person or organization",
        )),
    }
}

/// `validator` rule: a NUCC taxonomy code, 9 capital letters or digits and a final `X`.
pub fn validate_taxonomy(s: &str) -> Result<(), ValidationError> {
    let b = s.as_bytes();
    let ok = b.len() == 10
        && b[..9]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[9] == b'X';
    if ok {
        Ok(())
    } else {
        Err(rule(
            "invalid_taxonomy",
            "the taxonomy must be a 10-character NUCC code ending in X, e.g. 207Q00000X",
        ))
    }
}

/// `validator` rule: a non-empty list of known roles with no repeats.
pub fn validate_roles(roles: &[String]) -> Result<(), ValidationError> {
    if roles.is_empty() {
        return Err(rule(
            "required",
            "give at least one role: rendering, billing or referring",
        ));
    }
    if roles.iter().any(|r| !ROLES.contains(&r.as_str())) {
        return Err(rule(
            "invalid_role",
            "roles may be rendering, billing and referring only",
        ));
    }
    if roles
        .iter()
        .enumerate()
        .any(|(i, r)| roles[..i].contains(r))
    {
        return Err(rule("duplicate_role", "a role may be listed once only"));
    }
    Ok(())
}

impl NewProvider {
    /// Trims the names and identifiers as typed at a front desk.
    pub fn trimmed(mut self) -> Self {
        self.npi = self.npi.trim().to_string();
        self.last_name = self.last_name.trim().to_string();
        self.first_name = self.first_name.map(|s| s.trim().to_string());
        self.tax_id = self.tax_id.map(|s| s.trim().to_string());
        self
    }

    /// The field rules plus the rules that span fields (a person's first name, a billing
    /// provider's tax id), all reported per field.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = self.validate().err().unwrap_or_default();
        match (self.entity_type.as_str(), &self.first_name) {
            ("person", None) => errors.add(
                "first_name",
                rule("required", "a person needs a first name"),
            ),
            ("organization", Some(_)) => errors.add(
                "first_name",
                rule(
                    "not_allowed",
                    "an organization has no first name; put its name in last_name",
                ),
            ),
            _ => {}
        }
        if self.roles.iter().any(|r| r == "billing") && self.tax_id.is_none() {
            errors.add(
                "tax_id",
                rule("required", "a billing provider needs a tax id (EIN)"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The body of `PATCH /v1/providers/{id}`: absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderPatch {
    /// New NPI.
    #[validate(custom(function = "validate_npi"))]
    #[schema(format = "npi", pattern = r"^[0-9]{10}$", example = "1234567893")]
    pub npi: Option<String>,
    /// New entity type.
    #[validate(custom(function = "validate_entity_type"))]
    #[schema(pattern = r"^(person|organization)$", example = "person")]
    pub entity_type: Option<String>,
    /// New given name (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", min_length = 1, max_length = 35, example = "Ana")]
    pub first_name: Option<Option<String>>,
    /// New family or organization name.
    #[validate(length(min = 1, max = 60), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Reyes"
    )]
    pub last_name: Option<String>,
    /// New taxonomy (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[0-9A-Z]{9}X$", example = "207Q00000X")]
    pub taxonomy: Option<Option<String>>,
    /// New roles (replace the list).
    #[validate(custom(function = "validate_roles"))]
    #[schema(value_type = Option<BTreeSet<ProviderRole>>, min_items = 1)]
    pub roles: Option<Vec<String>>,
    /// New tax id (null clears; not allowed while a billing role remains).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^(0[1-9]|[1-9][0-9])-?[0-9]{7}$", example = "12-3456789")]
    pub tax_id: Option<Option<String>>,
    /// New street address (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 55, example = "1 Clinic Way")]
    pub address_line1: Option<Option<String>>,
    /// New city (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 30, example = "Albany")]
    pub city: Option<Option<String>>,
    /// New state (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Z]{2}$", example = "NY")]
    pub state: Option<Option<String>>,
    /// New ZIP code (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^-*([0-9]-*){5}$|^-*([0-9]-*){9}$", example = "12207")]
    pub postal_code: Option<Option<String>>,
    /// New phone (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[ ()+.-]*([0-9][ ()+.-]*){10}$|^ *(1|\+[ ()+.-]*[0-9])[ ()+.-]*([0-9][ ()+.-]*){10}$", example = "(518) 555-0100")]
    pub phone: Option<Option<String>>,
}

impl ProviderPatch {
    /// Applies the patch to `p` and returns the changed provider, re-checking the whole record
    /// so the cross-field rules hold after the change.
    pub fn apply(self, mut p: Provider) -> Result<Provider, ValidationErrors> {
        p.npi = self.npi.unwrap_or(p.npi);
        p.entity_type = self.entity_type.unwrap_or(p.entity_type);
        p.first_name = self.first_name.unwrap_or(p.first_name);
        p.last_name = self.last_name.unwrap_or(p.last_name);
        p.taxonomy = self.taxonomy.unwrap_or(p.taxonomy);
        p.roles = self.roles.unwrap_or(p.roles);
        p.tax_id = self.tax_id.unwrap_or(p.tax_id);
        p.address_line1 = self.address_line1.unwrap_or(p.address_line1);
        p.city = self.city.unwrap_or(p.city);
        p.state = self.state.unwrap_or(p.state);
        p.postal_code = self.postal_code.unwrap_or(p.postal_code);
        p.phone = self.phone.unwrap_or(p.phone);
        let checked = NewProvider::from(&p).trimmed();
        checked.check()?;
        p.npi = checked.npi;
        p.first_name = checked.first_name;
        p.last_name = checked.last_name;
        p.tax_id = checked.tax_id.as_deref().map(normalize_tax_id);
        Ok(p)
    }
}

impl From<&Provider> for NewProvider {
    fn from(p: &Provider) -> Self {
        NewProvider {
            npi: p.npi.clone(),
            entity_type: p.entity_type.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            taxonomy: p.taxonomy.clone(),
            roles: p.roles.clone(),
            tax_id: p.tax_id.clone(),
            address_line1: p.address_line1.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            postal_code: p.postal_code.clone(),
            phone: p.phone.clone(),
        }
    }
}

impl crate::db::versioned::Deactivatable for Provider {
    fn deactivate(&mut self) {
        self.active = false;
    }
}

impl crate::db::versioned::Versioned for Provider {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_and_roles_rules() {
        assert!(validate_taxonomy("207Q00000X").is_ok());
        assert!(validate_taxonomy("207q00000X").is_err());
        assert!(validate_taxonomy("207Q00000").is_err());
        assert!(validate_taxonomy("207Q000000").is_err());
        let roles = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(validate_roles(&roles(&["billing", "rendering"])).is_ok());
        assert!(validate_roles(&roles(&[])).is_err());
        assert!(validate_roles(&roles(&["billing", "billing"])).is_err());
        assert!(validate_roles(&roles(&["attending"])).is_err());
    }
}
