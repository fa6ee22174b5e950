//! Keeps poppler's `pdftotext` from reading two text columns as a table.
//!
//! Plain `pdftotext` (poppler's `TextPage::coalesce`) groups lines into blocks and then looks for
//! tables: a block `b1`, the nearest block to its right (`f2`), the nearest block below it (`f3`)
//! and the block below-right (`f4`) form a table cell quadruple when their left edges line up in
//! pairs and the tops, centres or bottoms of `b1`/`f2` and of `f3`/`f4` lie within half a font
//! size of each other. Two columns of text that share one vertical rhythm (a heading beside a
//! heading, a paragraph starting beside a paragraph) meet that test all the time, and poppler
//! then reads the page row by row, across the columns. The tagged structure is not affected, but
//! copy-paste from many viewers and every tool built on poppler is.
//!
//! So once a detail page is laid out, this pass moves blocks of the right column down by a few
//! points, where needed and only into the free space at the bottom of that column, until no
//! such quadruple remains. Nothing else moves; the pass decides from the layout alone, so the
//! output stays deterministic. The test mirrors poppler 22's (`TextOutputDev.cc`, table
//! detection in `coalesce`) on blocks approximated from the text runs.

use super::{Item, Page};
use crate::fonts::Fonts;

/// Noto Sans's ascent and descent as poppler measures a word's box, per point of font size.
const ASCENT: f32 = 1.069;
const DESCENT: f32 = 0.293;
/// How far one block may be moved, beyond what the blocks above it moved, and the step tried.
const MAX_STEP: f32 = 12.0;
const STEP: f32 = 0.5;

/// A block as poppler would see it: consecutive lines of one layout block at one left edge.
#[derive(Debug, Clone, Copy)]
struct Group {
    x0: f32,
    x1: f32,
    y0: f32,
    y1: f32,
    size: f32,
    /// The right-column unit (layout block) this group belongs to, if it may move.
    unit: Option<usize>,
}

impl Group {
    fn shifted(&self, offsets: &[f32]) -> Group {
        match self.unit {
            Some(u) => Group { y0: self.y0 + offsets[u], y1: self.y1 + offsets[u], ..*self },
            None => *self,
        }
    }
}

/// What the pass needs to know of a page with two text columns.
pub(crate) struct Columns {
    /// Left edge of the right column.
    pub right_x: f32,
    /// Top of the columns.
    pub top: f32,
    /// Lowest y any column content may reach.
    pub bottom: f32,
    /// Footer text boxes `(x0, x1, baseline, size)`, drawn later but seen by poppler.
    pub footer: Vec<(f32, f32, f32, f32)>,
}

/// Moves right-column blocks of `page` down until poppler finds no table across the columns.
pub(crate) fn untangle(page: &mut Page, fonts: &Fonts, cols: &Columns) {
    let (mut groups, units, slack) = groups(page, fonts, cols);
    if units.is_empty() {
        return;
    }
    groups.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
    // A table across the columns has b1 and f3 on the left, which never move, and f2 and f4 on
    // the right: the right column's blocks, the page number, the "Vervolg" link.
    let right: Vec<Group> = groups.iter().filter(|g| g.x0 >= cols.right_x - 0.5).copied().collect();
    let left: Vec<(Group, Group)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.unit.is_none() && g.x1 < cols.right_x)
        .filter_map(|(i, b1)| below(&groups, i).map(|f3| (*b1, f3)))
        .collect();
    let mut offsets = vec![0.0f32; units.len()];
    let mut shift = 0.0f32;
    for u in 0..units.len() {
        let (top, bottom) = unit_extent(&right, u);
        // The left-column blocks that could pair with this unit as f2 (beside it) or f4 (below it).
        let candidates: Vec<(Group, Group)> =
            left.iter().filter(|(g, _)| g.y1 > top - 60.0 && g.y0 < bottom + MAX_STEP + shift).copied().collect();
        if candidates.is_empty() {
            continue;
        }
        let mut s = shift;
        let limit = (shift + MAX_STEP).min(slack);
        let mut found = None;
        while s <= limit + 1e-3 {
            for o in &mut offsets[u..] {
                *o = s;
            }
            if !candidates.iter().any(|(b1, f3)| is_table_quad(b1, f3, &right, &offsets)) {
                found = Some(s);
                break;
            }
            s += STEP;
        }
        shift = found.unwrap_or(shift);
        for o in &mut offsets[u..] {
            *o = shift;
        }
    }
    if shift == 0.0 {
        return;
    }
    apply(page, cols, &units, &offsets);
}

/// The top and bottom of a unit's groups (unshifted).
fn unit_extent(groups: &[Group], u: usize) -> (f32, f32) {
    groups.iter().filter(|g| g.unit == Some(u)).fold((f32::MAX, f32::MIN), |(t, b), g| (t.min(g.y0), b.max(g.y1)))
}

fn in_right_column(x: f32, y: f32, cols: &Columns) -> bool {
    x >= cols.right_x - 0.5 && y >= cols.top - 0.5 && y <= cols.bottom
}

/// The page's text as poppler-like blocks; the right column's layout blocks (units) in order of
/// their first line; and the free space below the right column.
fn groups(page: &Page, fonts: &Fonts, cols: &Columns) -> (Vec<Group>, Vec<u32>, f32) {
    let mut groups: Vec<Group> = Vec::new();
    let mut units: Vec<u32> = Vec::new();
    let mut lowest = cols.top;
    // (block, x of the group's first line, its group index): where the next line may join.
    let mut open: Vec<(u32, f32, usize)> = Vec::new();
    for item in &page.items {
        match item {
            Item::Text(t) if !t.text.is_empty() => {
                let w = fonts.width(t.face, &t.text, t.size);
                let (y0, y1) = (t.baseline - ASCENT * t.size, t.baseline + DESCENT * t.size);
                let right = t.block != 0 && in_right_column(t.x, t.baseline, cols);
                if right {
                    lowest = lowest.max(y1);
                }
                let unit = right.then(|| match units.iter().position(|&b| b == t.block) {
                    Some(u) => u,
                    None => {
                        units.push(t.block);
                        units.len() - 1
                    }
                });
                // Only a group whose last line is just above this one, or on it, can take it.
                open.retain(|&(_, _, g)| {
                    let last = groups[g].y1 - DESCENT * groups[g].size;
                    last <= t.baseline + 0.01 && t.baseline - last <= 1.5 * t.size.max(groups[g].size) + 0.01
                });
                let joins = open.iter().find(|&&(b, x, g)| {
                    let g = &groups[g];
                    let last = g.y1 - DESCENT * g.size;
                    // The next line of the block, or more of the same line just after it (a
                    // bullet and its text).
                    let next_line = t.baseline > last + 0.01 && t.baseline - last <= 1.5 * t.size;
                    let same_line = (t.baseline - last).abs() <= 0.01 && t.x >= g.x1 - 0.01 && t.x - g.x1 < t.size;
                    (b == t.block || next_line)
                        && t.block != 0
                        && (x - t.x).abs() < 20.0
                        && (g.size - t.size).abs() <= 0.05 * g.size
                        && (next_line || same_line)
                });
                match joins {
                    Some(&(_, _, g)) => {
                        let g = &mut groups[g];
                        g.x0 = g.x0.min(t.x);
                        g.x1 = g.x1.max(t.x + w);
                        g.y1 = y1;
                    }
                    None => {
                        open.retain(|&(b, x, _)| !(b == t.block && (x - t.x).abs() < 20.0));
                        open.push((t.block, t.x, groups.len()));
                        groups.push(Group { x0: t.x, x1: t.x + w, y0, y1, size: t.size, unit });
                    }
                }
            }
            Item::Fill(f) if in_right_column(f.rect.x, f.rect.y, cols) => lowest = lowest.max(f.rect.y + f.rect.h),
            Item::Link(l) if in_right_column(l.rect.x, l.rect.y, cols) => lowest = lowest.max(l.rect.y + l.rect.h),
            _ => {}
        }
    }
    for &(x0, x1, base, size) in &cols.footer {
        groups.push(Group { x0, x1, y0: base - ASCENT * size, y1: base + DESCENT * size, size, unit: None });
    }
    (groups, units, (cols.bottom - lowest).max(0.0))
}

fn overlap(a0: f32, a1: f32, b0: f32, b1: f32) -> bool {
    a0 <= b1 && a1 >= b0
}

/// The block poppler takes as the one below `groups[i]` (f3): the nearest below that overlaps it
/// horizontally, among those not beside it.
fn below(groups: &[Group], i: usize) -> Option<Group> {
    let b1 = groups[i];
    let mut f3: Option<Group> = None;
    for (j, b2) in groups.iter().enumerate() {
        let beside = b2.y0 <= b1.y1 && b2.y1 >= b1.y0 && b2.x0 > b1.x1;
        if j != i && !beside && b2.x0 <= b1.x1 && b2.x1 >= b1.x0 && b2.y0 > b1.y1 && f3.is_none_or(|f| b2.y0 < f.y0) {
            f3 = Some(*b2);
        }
    }
    f3
}

/// Whether poppler would take `b1` as the top-left cell of a table, with `f3` the block below it
/// and the beside and below-right blocks from `right` (moved by `offsets`).
fn is_table_quad(b1: &Group, f3: &Group, right: &[Group], offsets: &[f32]) -> bool {
    let (b1, f3) = (*b1, *f3);
    let (mut f2, mut f4): (Option<Group>, Option<Group>) = (None, None);
    let (mut bx0, mut bx1, mut by1) = (f32::MAX, f32::MAX, f32::MAX);
    for g in right {
        let b2 = g.shifted(offsets);
        if b2.y0 <= b1.y1 && b2.y1 >= b1.y0 && b2.x0 > b1.x1 {
            if b2.x0 < bx0 {
                bx0 = b2.x0;
                f2 = Some(b2);
            }
        } else if b2.x0 > b1.x1 && b2.x0 < bx1 && b2.y0 > b1.y1 && b2.y0 < by1 {
            bx1 = b2.x0;
            by1 = b2.y0;
            f4 = Some(b2);
        }
    }
    let (Some(f2), Some(f4)) = (f2, f4) else { return false };
    if overlap(f3.x0, f3.x1, f4.x0, f4.x1)
        || overlap(f2.y0, f2.y1, f4.y0, f4.y1)
        || overlap(f2.x0, f2.x1, f3.x0, f3.x1)
        || overlap(f2.y0, f2.y1, f3.y0, f3.y1)
        || !(overlap(f4.x0, f4.x1, f2.x0, f2.x1) && overlap(f4.y0, f4.y1, f3.y0, f3.y1))
    {
        return false;
    }
    let d = b1.size.min(f2.size).min(f3.size).min(f4.size);
    let (dx, dy) = (0.3 * d, 0.5 * d);
    let cx = |g: &Group| (g.x0 + g.x1) / 2.0;
    let cy = |g: &Group| (g.y0 + g.y1) / 2.0;
    let near = |a: f32, b: f32, tol: f32| (a - b).abs() <= tol;
    let columns_align = (near(cx(&b1), cx(&f3), dx) && near(cx(&f2), cx(&f4), dx))
        || (near(b1.x0, f3.x0, dx) && near(f2.x0, f4.x0, dx))
        || (near(b1.x1, f3.x1, dx) && near(f2.x1, f4.x1, dx));
    let rows_align = (near(cy(&b1), cy(&f2), dy) && near(cy(&f3), cy(&f4), dy))
        || (near(b1.y0, f2.y0, dy) && near(f3.y0, f4.y0, dy))
        || (near(b1.y1, f2.y1, dy) && near(f3.y1, f4.y1, dy));
    columns_align && rows_align
}

/// Moves every item of each right-column unit down by its offset.
fn apply(page: &mut Page, cols: &Columns, units: &[u32], offsets: &[f32]) {
    let offset = |block: u32, x: f32, y: f32| -> f32 {
        if !in_right_column(x, y, cols) {
            return 0.0;
        }
        units.iter().position(|&b| b == block).map_or(0.0, |u| offsets[u])
    };
    for item in &mut page.items {
        match item {
            Item::Text(t) => t.baseline += offset(t.block, t.x, t.baseline),
            Item::Link(l) => l.rect.y += offset(l.block, l.rect.x, l.rect.y + l.rect.h / 2.0),
            Item::Fill(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x0: f32, x1: f32, y0: f32, y1: f32, unit: Option<usize>) -> Group {
        Group { x0, x1, y0, y1, size: 9.5, unit }
    }

    #[test]
    fn two_headings_side_by_side_over_two_paragraphs_are_a_table_until_one_column_moves() {
        // Left: heading over a paragraph; right: the same, at the same heights.
        let groups = [
            g(34.0, 100.0, 100.0, 113.0, None),
            g(34.0, 400.0, 116.0, 160.0, None),
            g(430.0, 480.0, 100.0, 113.0, Some(0)),
            g(430.0, 800.0, 116.0, 140.0, Some(1)),
        ];
        let f3 = below(&groups, 0).expect("the paragraph below the heading");
        assert_eq!(f3.y0, 116.0);
        let right = &groups[2..];
        assert!(is_table_quad(&groups[0], &f3, right, &[0.0, 0.0]));
        assert!(
            !is_table_quad(&groups[0], &f3, right, &[6.0, 6.0]),
            "tops, centres and bottoms now differ by more than 4.75"
        );
    }
}
