//! Typed access to documents ([`Document`]): each read back through its type's checks, so
//! that a stored document that no longer validates is reported (`Corrupt`), never passed on.

use chiiki_domain::{DocScope, Document};
use serde_json::Value;

use crate::{DocGroup, DocPut, DocQuery, DocRow, DocWrite, Store, StoreError};

/// A document ready to write: its columns, its JSON and what the audit trail keeps of it
/// (the id and the fields of [`Document::AUDITED`]).
pub fn to_put<T: Document>(doc: &T) -> Result<DocPut, StoreError> {
    let key = doc.id().to_string();
    let data = serde_json::to_value(doc).map_err(|e| crate::rows::corrupt(T::KIND, &key, e))?;
    let mut audited = serde_json::Map::new();
    if let Value::Object(fields) = &data {
        for name in T::AUDITED {
            if let Some(v) = fields.get(*name) {
                audited.insert((*name).to_string(), v.clone());
            }
        }
    }
    Ok(DocPut {
        kind: T::KIND,
        id: doc.id(),
        scope: doc.scope(),
        parent: doc.parent(),
        owner: doc.owner(),
        data,
        audited: Value::Object(audited),
        expect: None,
    })
}

/// A stored document as its type: of its kind, deserialised through the type's checks, with
/// the id, scope, parent and owner its columns say.
pub fn from_row<T: Document>(row: DocRow) -> Result<T, StoreError> {
    let key = row.id.to_string();
    let bad = |reason: String| crate::rows::corrupt(T::KIND, &key, reason);
    if row.kind != T::KIND {
        return Err(bad(format!("a {} document read as {}", row.kind, T::KIND)));
    }
    let doc: T = serde_json::from_value(row.data).map_err(|e| bad(e.to_string()))?;
    if doc.id() != row.id
        || doc.scope().key() != row.scope
        || doc.parent() != row.parent
        || doc.owner() != row.owner
    {
        return Err(bad(
            "its columns (id, scope, parent, owner) do not match its data".into(),
        ));
    }
    Ok(doc)
}

/// Creates (id 0) or replaces a document; returns it as stored (with its id).
pub async fn put<T: Document>(store: &dyn Store, actor: &str, doc: &T) -> Result<T, StoreError> {
    from_row(store.put_document(actor, to_put(doc)?).await?)
}

/// Replaces a document only if its stored version is still `version` (the version the form
/// was made from; [`get_versioned`]); `Conflict` otherwise. Returns it as stored with its
/// new version.
pub async fn put_expecting<T: Document>(
    store: &dyn Store,
    actor: &str,
    doc: &T,
    version: u64,
) -> Result<(T, u64), StoreError> {
    let mut put = to_put(doc)?;
    put.expect = Some(version);
    let row = store.put_document(actor, put).await?;
    let version = row.version;
    Ok((from_row(row)?, version))
}

/// A document with its version, for a form that will write it back
/// ([`put_expecting`]).
pub async fn get_versioned<T: Document>(
    store: &dyn Store,
    id: u64,
) -> Result<Option<(T, u64)>, StoreError> {
    match store.get_document(T::KIND, id).await? {
        None => Ok(None),
        Some(row) => {
            let version = row.version;
            Ok(Some((from_row(row)?, version)))
        }
    }
}

pub async fn get<T: Document>(store: &dyn Store, id: u64) -> Result<Option<T>, StoreError> {
    store
        .get_document(T::KIND, id)
        .await?
        .map(from_row)
        .transpose()
}

/// The documents of `T`'s kind that the filter selects, by id. The filter's kind is set to
/// `T::KIND`.
pub async fn list<T: Document>(store: &dyn Store, filter: Filter) -> Result<Vec<T>, StoreError> {
    let query = DocQuery {
        kind: T::KIND,
        scope: filter.scope.map(|s| s.key()),
        pref: filter.pref,
        parent: filter.parent,
        owner: filter.owner,
    };
    store
        .list_documents(&query)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

pub async fn delete<T: Document>(
    store: &dyn Store,
    actor: &str,
    id: u64,
) -> Result<(), StoreError> {
    store.delete_document(actor, T::KIND, id).await
}

/// Which documents of a kind to list: any of scope, prefecture, parent and owner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub scope: Option<DocScope>,
    pub pref: Option<chiiki_domain::PrefCode>,
    pub parent: Option<u64>,
    pub owner: Option<String>,
}

impl Filter {
    pub fn scope(scope: DocScope) -> Self {
        Self {
            scope: Some(scope),
            ..Self::default()
        }
    }
    pub fn parent(mut self, parent: u64) -> Self {
        self.parent = Some(parent);
        self
    }
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
}

/// A write of a checked change, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Write<T> {
    Put(T),
    Delete(u64),
}

/// A checked write of one group: the documents of `T`'s kind in `scope` (under `parent` when
/// given) are locked and read, and `plan` decides the writes from them (refusing with a
/// message in both languages); all in one transaction. Returns the documents written.
pub async fn change<T, F>(
    store: &dyn Store,
    actor: &str,
    scope: DocScope,
    parent: Option<u64>,
    plan: F,
) -> Result<Vec<T>, StoreError>
where
    T: Document,
    F: Fn(Vec<T>) -> Result<Vec<Write<T>>, chiiki_domain::Msg> + Send + Sync,
{
    let group = DocGroup {
        kind: T::KIND,
        scope,
        parent,
        parent_kind: None,
    };
    let raw = move |rows: Vec<DocRow>| -> Result<Vec<DocWrite>, StoreError> {
        let docs = rows
            .into_iter()
            .map(from_row)
            .collect::<Result<Vec<T>, _>>()?;
        plan(docs)
            .map_err(StoreError::Refused)?
            .into_iter()
            .map(|w| match w {
                Write::Put(doc) => to_put(&doc).map(DocWrite::Put),
                Write::Delete(id) => Ok(DocWrite::Delete { kind: T::KIND, id }),
            })
            .collect()
    };
    store
        .change_documents(actor, &group, &raw)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// A checked write of a group under its parent document, the parent read inside the same
/// lock: the plan gets the parent as it is then (`None` when it is gone) and the group's
/// documents, and may write documents of any kind — the parent's next state among them (a
/// demand checked against its tender's state; a tender closed, which no demand then passes).
/// Every write that depends on or changes the parent must go through here with the same `T`,
/// so that they run one after the other. Returns the rows written.
pub async fn change_under<P, T, F>(
    store: &dyn Store,
    actor: &str,
    scope: DocScope,
    parent: u64,
    plan: F,
) -> Result<Vec<DocRow>, StoreError>
where
    P: Document,
    T: Document,
    F: Fn(Option<P>, Vec<T>) -> Result<Vec<DocWrite>, StoreError> + Send + Sync,
{
    let group = DocGroup {
        kind: T::KIND,
        scope,
        parent: Some(parent),
        parent_kind: Some(P::KIND),
    };
    let raw = move |rows: Vec<DocRow>| -> Result<Vec<DocWrite>, StoreError> {
        let (mut up, mut docs) = (None, Vec::new());
        for r in rows {
            if r.kind == P::KIND && r.id == parent {
                up = Some(from_row::<P>(r)?);
            } else {
                docs.push(from_row::<T>(r)?);
            }
        }
        plan(up, docs)
    };
    store.change_documents(actor, &group, &raw).await
}

/// A document's write in a plan of [`change_under`].
pub fn put_of<T: Document>(doc: &T) -> Result<DocWrite, StoreError> {
    to_put(doc).map(DocWrite::Put)
}
