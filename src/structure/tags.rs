//! The structure tree of a tagged PDF (ISO 32000-1, 14.7; PDF/UA-1), built from the layout's
//! semantic labels, never from the content streams: render and this module both take the
//! marked-content ids from `Page::mcids`.
//!
//! Tree: `Document` > one `Sect` per part (cover, how-to, each index, each intervention) > one
//! element per layout block: `H1`-`H3`, `P`, `LI` (with `Lbl` and `LBody`) grouped in an `L`,
//! `TOCI` grouped in a `TOC`, navigation as `Link`s in a `Div`. Text that is the visible part of a
//! link sits in a `Link` element that also owns the annotation through an `/OBJR`.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object, ObjectId, dictionary};

use super::serialize::RawObjects;
use crate::layout::{Item, Layout, Role};
use crate::syntax;

/// A kid of a structure element.
enum Kid {
    Mcid { page: usize, mcid: i64 },
    Elem(usize),
    Objr { page: usize, annot: ObjectId },
}

struct Elem {
    s: &'static str,
    parent: Option<usize>,
    page: Option<usize>,
    title: Option<String>,
    kids: Vec<Kid>,
}

/// Per block: its element, and the `Lbl`/`LBody` of a list item.
struct BlockElems {
    elem: usize,
    lbl: Option<usize>,
    lbody: Option<usize>,
}

struct Tree {
    elems: Vec<Elem>,
}

impl Tree {
    fn add(&mut self, s: &'static str, parent: usize) -> usize {
        self.elems.push(Elem { s, parent: Some(parent), page: None, title: None, kids: Vec::new() });
        let i = self.elems.len() - 1;
        self.elems[parent].kids.push(Kid::Elem(i));
        i
    }

    fn mcid(&mut self, e: usize, page: usize, mcid: i64) {
        self.elems[e].page.get_or_insert(page);
        self.elems[e].kids.push(Kid::Mcid { page, mcid });
    }
}

fn block_type(role: Role) -> (&'static str, Option<&'static str>) {
    match role {
        Role::Heading(1) => ("H1", None),
        Role::Heading(2) => ("H2", None),
        Role::Heading(_) => ("H3", None),
        Role::ListLabel | Role::ListBody => ("LI", Some("L")),
        Role::IndexEntry => ("TOCI", Some("TOC")),
        Role::Nav => ("P", Some("Div")),
        Role::Paragraph | Role::Chip | Role::Artifact => ("P", None),
    }
}

/// Builds the structure tree; returns the `/StructTreeRoot` id. `annots[p]` maps each link id on
/// page p to its annotation object. Elements are appended to `raw` as PDF bytes; annotations
/// already carry their `/StructParent` (the keys after the pages', in page and item order), the
/// order this parent tree follows.
pub fn build(
    doc: &mut Document,
    raw: &mut RawObjects,
    layout: &Layout,
    page_ids: &[ObjectId],
    annots: &[Vec<(u32, ObjectId)>],
) -> ObjectId {
    let mut tree =
        Tree { elems: vec![Elem { s: "Document", parent: None, page: None, title: None, kids: Vec::new() }] };
    let mut sects: BTreeMap<usize, usize> = BTreeMap::new();
    let mut blocks: BTreeMap<u32, BlockElems> = BTreeMap::new();
    let mut links: BTreeMap<u32, usize> = BTreeMap::new();
    // The open container (L, TOC, Div) per section, with the page it was opened on.
    let mut open: BTreeMap<usize, (usize, &'static str, usize)> = BTreeMap::new();
    let mut parent_tree: Vec<Vec<usize>> = vec![Vec::new(); layout.pages.len()];

    for (p, page) in layout.pages.iter().enumerate() {
        let sect = *sects.entry(page.part).or_insert_with(|| {
            let s = tree.add("Sect", 0);
            tree.elems[s].title = Some(layout.parts[page.part].title.clone());
            s
        });
        let mcids = page.mcids();
        for (item, mcid) in page.items.iter().zip(mcids) {
            let Item::Text(t) = item else { continue };
            let Some(mcid) = mcid else { continue };
            if parent_tree[p].len() > mcid as usize {
                continue; // a further line of a sequence already placed
            }
            let be = blocks.entry(t.block).or_insert_with(|| {
                let (s, container) = block_type(t.role);
                let parent = match container {
                    None => {
                        open.remove(&sect);
                        sect
                    }
                    Some(c) => {
                        // Reuse the open container when the previous block was of the same kind;
                        // a navigation Div holds one page's bar only.
                        let reuse = open.get(&sect).filter(|(_, kind, pg)| *kind == c && (c != "Div" || *pg == p));
                        match reuse {
                            Some((e, _, _)) => *e,
                            None => {
                                let e = tree.add(c, sect);
                                open.insert(sect, (e, c, p));
                                e
                            }
                        }
                    }
                };
                // A navigation button is just its Link, straight in the bar's Div.
                let elem = if t.role == Role::Nav { parent } else { tree.add(s, parent) };
                BlockElems { elem, lbl: None, lbody: None }
            });
            let mut target = be.elem;
            if tree.elems[be.elem].s == "LI" {
                target = if t.role == Role::ListLabel {
                    *be.lbl.get_or_insert_with(|| tree.add("Lbl", be.elem))
                } else {
                    *be.lbody.get_or_insert_with(|| tree.add("LBody", be.elem))
                };
            }
            if let Some(l) = t.link {
                target = *links.entry(l).or_insert_with(|| tree.add("Link", target));
            }
            tree.mcid(target, p, i64::from(mcid));
            parent_tree[p].push(target);
        }
    }

    // Every link annotation in a Link element: the one holding its text, or a new one.
    let mut annot_parents: Vec<(ObjectId, usize)> = Vec::new();
    for (p, page) in layout.pages.iter().enumerate() {
        for item in &page.items {
            let Item::Link(link) = item else { continue };
            let Ok(k) = annots[p].binary_search_by_key(&link.id, |&(l, _)| l) else { continue };
            let annot = annots[p][k].1;
            let e = match links.get(&link.id) {
                Some(&e) => e,
                None => {
                    let parent = blocks.get(&link.block).map(|b| b.elem).unwrap_or_else(|| sects[&page.part]);
                    let e = tree.add("Link", parent);
                    links.insert(link.id, e);
                    e
                }
            };
            tree.elems[e].page.get_or_insert(p);
            tree.elems[e].kids.push(Kid::Objr { page: p, annot });
            annot_parents.push((annot, e));
        }
    }

    // Object ids, then the dictionaries.
    let ids: Vec<ObjectId> = tree.elems.iter().map(|_| doc.new_object_id()).collect();
    let root_id = doc.new_object_id();
    let refs: usize = parent_tree.iter().map(Vec::len).sum::<usize>() + annot_parents.len();
    raw.reserve(tree.elems.len() + 1, tree.elems.len() * 48 + refs * 12);
    for (i, e) in tree.elems.iter().enumerate() {
        // `/Type /StructElem` is optional (ISO 32000-1, table 323) and left out: it is most of
        // the bytes of a small element, and a tagged kaart has hundreds of thousands.
        let d = raw.begin(ids[i]);
        d.extend_from_slice(b"<</S");
        syntax::name(d, e.s.as_bytes());
        d.extend_from_slice(b"/P ");
        syntax::reference(d, e.parent.map_or(root_id, |p| ids[p]));
        if let Some(pg) = e.page {
            d.extend_from_slice(b"/Pg ");
            syntax::reference(d, page_ids[pg]);
        }
        if let Some(t) = &e.title {
            d.extend_from_slice(b"/T");
            syntax::text(d, t);
        }
        d.extend_from_slice(if e.kids.len() == 1 { b"/K " } else { b"/K[" });
        for (k, kid) in e.kids.iter().enumerate() {
            if k > 0 {
                d.push(b' ');
            }
            match kid {
                Kid::Mcid { page, mcid } if Some(*page) == e.page => syntax::int(d, *mcid),
                Kid::Mcid { page, mcid } => {
                    d.extend_from_slice(b"<</Type/MCR/Pg ");
                    syntax::reference(d, page_ids[*page]);
                    d.extend_from_slice(b"/MCID ");
                    syntax::int(d, *mcid);
                    d.extend_from_slice(b">>");
                }
                Kid::Elem(c) => syntax::reference(d, ids[*c]),
                // An OBJR's /Pg may be left out when it is the element's (ISO 32000-1, table 325).
                Kid::Objr { page, annot } => {
                    d.extend_from_slice(b"<</Type/OBJR");
                    if Some(*page) != e.page {
                        d.extend_from_slice(b"/Pg ");
                        syntax::reference(d, page_ids[*page]);
                    }
                    d.extend_from_slice(b"/Obj ");
                    syntax::reference(d, *annot);
                    d.extend_from_slice(b">>");
                }
            }
        }
        if e.kids.len() != 1 {
            d.push(b']');
        }
        d.extend_from_slice(b">>");
    }

    // Parent tree: page p under key p (its MCIDs in order), annotations after the pages. Written
    // as bytes: as lopdf objects its 200,000 references held 50 MB.
    let parent_tree_id = doc.new_object_id();
    let nums = raw.begin(parent_tree_id);
    nums.extend_from_slice(b"<</Nums[");
    for (p, elems) in parent_tree.iter().enumerate() {
        if let Ok(page) = doc.get_dictionary_mut(page_ids[p]) {
            page.set("StructParents", p as i64);
            page.set("Tabs", Object::Name(b"S".to_vec()));
        }
        syntax::int(nums, p as i64);
        nums.push(b'[');
        for (k, &e) in elems.iter().enumerate() {
            if k > 0 {
                nums.push(b' ');
            }
            syntax::reference(nums, ids[e]);
        }
        nums.extend_from_slice(b"]\n");
    }
    let mut key = parent_tree.len() as i64;
    for (_, e) in annot_parents {
        syntax::int(nums, key);
        nums.push(b' ');
        syntax::reference(nums, ids[e]);
        nums.push(b'\n');
        key += 1;
    }
    nums.extend_from_slice(b"]>>");
    let root: Dictionary = dictionary! {
        "Type" => "StructTreeRoot",
        "K" => ids[0],
        "ParentTree" => parent_tree_id,
        "ParentTreeNextKey" => key,
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    root_id
}
