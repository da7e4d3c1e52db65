//! Makes the parts of the document that come from shared plumbing exact, once, instead of in
//! every handler's annotation: the If-Match and Idempotency-Key headers (parsed by
//! `http::versioning` and `http::idempotency`), the `limit` and `cursor` of every list
//! (`http::pagination`), optional query parameters (which cannot be `null` on the wire), and
//! the links from each create to the operations on the created resource, so stateful testing
//! can follow what a create returns.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};
use utoipa::Modify;

/// An ETag as the server sends it (`"3"`: the version, quoted; the bare version is accepted
/// too), or `*` (any current version, RFC 9110).
pub const IF_MATCH_PATTERN: &str = r#"^("[1-9][0-9]{0,8}"|[1-9][0-9]{0,8}|\*)$"#;
/// 1 to 255 visible ASCII characters; inner spaces and tabs allowed (outer ones do not survive
/// HTTP).
pub const IDEMPOTENCY_KEY_PATTERN: &str = r"^[!-~]([\t -~]{0,253}[!-~])?$";
/// A cursor is a UUID's 16 bytes in unpadded URL-safe base64: 21 characters and a last one
/// that carries only 2 bits.
pub const CURSOR_PATTERN: &str = r"^[A-Za-z0-9_-]{21}[AQgw]$";

/// What every free-text query parameter and body string admits: anything but NUL, which
/// `http::query` and `http::json` refuse (PostgreSQL cannot hold it in text).
pub const QUERY_TEXT_PATTERN: &str = r"^[^\u0000]*$";

/// An array schema of `items`, `min` to `max` long, `null` also allowed when `nullable`: for
/// list fields whose items have rules of their own (utoipa's field attributes describe the
/// list, not its items).
pub fn list_schema(
    items: ObjectBuilder,
    min: Option<usize>,
    max: usize,
    nullable: bool,
) -> utoipa::openapi::schema::ArrayBuilder {
    let kind: SchemaType = if nullable {
        [Type::Array, Type::Null].into_iter().collect()
    } else {
        Type::Array.into()
    };
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(kind)
        .items(items)
        .min_items(min)
        .max_items(Some(max))
}

/// The modifier (registered in [`super::ApiDoc`]).
pub struct ExactPlumbing;

impl Modify for ExactPlumbing {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for param in op.parameters.iter_mut().flatten() {
                    exact_parameter(param);
                }
            }
        }
        add_links(openapi);
        let requests = request_schemas(openapi);
        if let Some(components) = openapi.components.as_mut() {
            for (name, schema) in components.schemas.iter_mut() {
                if requests.contains(name) {
                    refuse_nul_in_text(schema);
                }
            }
        }
    }
}

/// The names of the component schemas request bodies use, directly or through other
/// components (responses echo what callers sent, e.g. a problem's pointer, so they are left).
fn request_schemas(openapi: &OpenApi) -> std::collections::BTreeSet<String> {
    let doc = serde_json::to_value(&openapi.paths).unwrap_or_default();
    let mut pending: Vec<String> = Vec::new();
    collect_refs(&doc, false, &mut pending);
    let components = openapi
        .components
        .as_ref()
        .map(|c| serde_json::to_value(&c.schemas).unwrap_or_default())
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            collect_refs(&components[&name], true, &mut pending);
        }
    }
    seen
}

/// Pushes the schema names `$ref`ed in `v`: everywhere when `inside_body`, else only under a
/// `requestBody`.
fn collect_refs(v: &serde_json::Value, inside_body: bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" && inside_body {
                    if let Some(name) = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(name.to_string());
                    }
                } else {
                    collect_refs(value, inside_body || key == "requestBody", out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|x| collect_refs(x, inside_body, out));
        }
        _ => {}
    }
}

/// Free text anywhere in a body refuses NUL (`http::json` answers 422): every string schema
/// without a pattern, format or enum of its own says so.
fn refuse_nul_in_text(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(obj) => {
            let text = match &obj.schema_type {
                SchemaType::Type(Type::String) => true,
                SchemaType::Array(types) => types.contains(&Type::String),
                _ => false,
            };
            if text && obj.pattern.is_none() && obj.format.is_none() && obj.enum_values.is_none() {
                obj.pattern = Some(QUERY_TEXT_PATTERN.to_string());
            }
            for property in obj.properties.values_mut() {
                refuse_nul_in_text(property);
            }
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                refuse_nul_in_text(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(refuse_nul_in_text),
        Schema::AllOf(all) => all.items.iter_mut().for_each(refuse_nul_in_text),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(refuse_nul_in_text),
        _ => {}
    }
}

fn string(pattern: &str, min: Option<usize>, max: Option<usize>, example: Option<&str>) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .min_length(min)
            .max_length(max)
            .examples(example.map(serde_json::Value::from))
            .build(),
    )
}

fn exact_parameter(param: &mut Parameter) {
    let schema = match (&param.parameter_in, param.name.as_str()) {
        (ParameterIn::Header, "If-Match") => {
            Some(string(IF_MATCH_PATTERN, None, None, Some("\"1\"")))
        }
        // No example: a fixed key reused with different bodies is answered 422 `key_reused`.
        (ParameterIn::Header, "Idempotency-Key") => {
            Some(string(IDEMPOTENCY_KEY_PATTERN, Some(1), Some(255), None))
        }
        (ParameterIn::Query, "cursor") => Some(string(
            CURSOR_PATTERN,
            None,
            None,
            Some("AZLEwgAAcACAAAAAAAAAAA"),
        )),
        (ParameterIn::Query, "limit") => Some(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(crate::http::pagination::MAX_LIMIT))
                .default(Some(crate::http::pagination::DEFAULT_LIMIT.into()))
                .build(),
        )),
        _ => None,
    };
    let declared_pattern = matches!(
        param.schema.as_ref(),
        Some(RefOr::T(Schema::Object(obj))) if obj.pattern.is_some()
    );
    if let (Some(schema), false) = (schema, declared_pattern) {
        param.schema = Some(RefOr::T(schema));
    } else if matches!(param.parameter_in, ParameterIn::Query | ParameterIn::Header)
        && !matches!(param.required, Required::True)
    {
        // An optional parameter is absent rather than null: a query string has no null.
        if let Some(RefOr::T(Schema::Object(obj))) = param.schema.as_mut() {
            if let SchemaType::Array(types) = &obj.schema_type {
                let kept: Vec<Type> = types
                    .iter()
                    .filter(|t| **t != Type::Null)
                    .cloned()
                    .collect();
                if let [only] = kept.as_slice() {
                    obj.schema_type = SchemaType::Type(only.clone());
                }
            }
        }
    }
    if matches!(param.parameter_in, ParameterIn::Query) {
        if let Some(RefOr::T(Schema::Object(obj))) = param.schema.as_mut() {
            let free_text = matches!(&obj.schema_type, SchemaType::Type(Type::String))
                && obj.pattern.is_none()
                && obj.format.is_none()
                && obj.enum_values.is_none();
            if free_text {
                obj.pattern = Some(QUERY_TEXT_PATTERN.to_string());
            }
        }
    }
}

/// For each `POST /things` answering 201, links to every operation on `/things/{id}`: the id
/// from the body and, for changes, the ETag as If-Match.
fn add_links(openapi: &mut OpenApi) {
    let targets: Vec<(String, Vec<(String, bool)>)> = openapi
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| {
            let collection = path.strip_suffix("/{id}")?;
            let ops = [&item.get, &item.patch, &item.delete, &item.post]
                .into_iter()
                .flatten()
                .filter_map(|op| Some((op.operation_id.clone()?, takes_if_match(op))))
                .collect();
            Some((collection.to_string(), ops))
        })
        .collect();
    for (collection, ops) in targets {
        let Some(create) = openapi
            .paths
            .paths
            .get_mut(&collection)
            .and_then(|item| item.post.as_mut())
        else {
            continue;
        };
        let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
            continue;
        };
        for (operation_id, if_match) in ops {
            let mut link = LinkBuilder::new()
                .operation_id(operation_id.clone())
                .parameter("path.id", "$response.body#/id");
            if if_match {
                link = link.parameter("header.If-Match", "$response.header.ETag");
            }
            created.links.insert(operation_id, RefOr::T(link.build()));
        }
    }
}

fn takes_if_match(op: &Operation) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.name == "If-Match" && matches!(p.parameter_in, ParameterIn::Header))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn creates_link_to_their_resource_and_lists_bound_their_pages() {
        let doc = crate::openapi::spec_value();
        let links = &doc["paths"]["/v1/patients"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["get_patient"]["operationId"], "get_patient");
        assert_eq!(
            links["get_patient"]["parameters"]["path.id"],
            "$response.body#/id"
        );
        assert_eq!(
            links["update_patient"]["parameters"]["header.If-Match"],
            "$response.header.ETag"
        );
        let params = doc["paths"]["/v1/patients"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], 500);
        let mrn = params.iter().find(|p| p["name"] == "mrn").unwrap();
        assert_eq!(mrn["schema"]["type"], "string");
        // Free text refuses only NUL (what `http::query` refuses); dates keep their format.
        assert_eq!(mrn["schema"]["pattern"], super::QUERY_TEXT_PATTERN);
    }

    /// Every text the server refuses for NUL must say so in its own pattern: schemathesis
    /// sends what the document allows and counts a 422 there as a broken promise.
    #[test]
    fn every_text_pattern_refuses_nul() {
        fn walk(at: &str, value: &serde_json::Value, bad: &mut Vec<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(pattern) = map.get("pattern").and_then(|p| p.as_str()) {
                        let re = regex::Regex::new(pattern).unwrap();
                        let tries = ["\0", "a\0", "1\0", "\0a", "A\0B", "12 \0"];
                        if tries.iter().any(|t| re.is_match(t)) {
                            bad.push(at.to_string());
                        }
                    }
                    for (key, inner) in map {
                        walk(&format!("{at}/{key}"), inner, bad);
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, inner) in items.iter().enumerate() {
                        walk(&format!("{at}/{i}"), inner, bad);
                    }
                }
                _ => {}
            }
        }
        let doc = crate::openapi::spec_value();
        let mut bad = Vec::new();
        walk("", &doc, &mut bad);
        assert!(bad.is_empty(), "patterns that let NUL through: {bad:?}");
    }
}
