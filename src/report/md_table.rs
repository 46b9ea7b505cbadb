//! The one Markdown table builder of `report.md` and `sdsl validate` (the
//! pipe tables of GitHub Flavored Markdown, <https://github.github.com/gfm/#tables-extension->),
//! beside [`crate::report::csv_out::CsvTable`]: a header, a delimiter row,
//! then rows of the header's width. Numbers are formatted by the caller with
//! [`crate::report::format`].
//!
//! Cells are written verbatim, `| a | b |`: nothing is escaped (a literal
//! `|` inside a cell must be written `\|` by the caller, as the hardware
//! table's header does). A cell given as `None` is a blank written `| |`;
//! an empty string is written `|  |`.

/// The alignment of a column, written into the delimiter row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// `---` (the renderer's default, left in practice).
    #[default]
    None,
    /// `:---`
    Left,
    /// `:---:`
    Center,
    /// `---:`
    Right,
}

impl Align {
    fn rule(self) -> &'static str {
        match self {
            Align::None => "---",
            Align::Left => ":---",
            Align::Center => ":---:",
            Align::Right => "---:",
        }
    }
}

/// Something that can be a table cell: text, or `None` for a blank.
pub trait MdCell {
    /// The cell's text (`None`: a blank cell).
    fn into_cell(self) -> Option<String>;
}

impl MdCell for String {
    fn into_cell(self) -> Option<String> {
        Some(self)
    }
}

impl MdCell for &String {
    fn into_cell(self) -> Option<String> {
        Some(self.clone())
    }
}

impl MdCell for &str {
    fn into_cell(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl<T: MdCell> MdCell for Option<T> {
    fn into_cell(self) -> Option<String> {
        self.and_then(MdCell::into_cell)
    }
}

/// A Markdown table built in memory.
#[derive(Debug, Clone)]
pub struct MdTable {
    header: Vec<Option<String>>,
    align: Vec<Align>,
    rows: Vec<Vec<Option<String>>>,
}

impl MdTable {
    /// A table with these column headers (every column unaligned, `---`).
    pub fn new<C: MdCell>(header: impl IntoIterator<Item = C>) -> MdTable {
        let header: Vec<Option<String>> = header.into_iter().map(MdCell::into_cell).collect();
        MdTable {
            align: vec![Align::None; header.len()],
            header,
            rows: Vec::new(),
        }
    }

    /// Sets the columns' alignment.
    ///
    /// # Panics
    /// When `align` does not have one entry per column.
    pub fn align(mut self, align: &[Align]) -> MdTable {
        assert_eq!(
            align.len(),
            self.header.len(),
            "Markdown table: {} alignments for {} columns",
            align.len(),
            self.header.len()
        );
        self.align = align.to_vec();
        self
    }

    /// Appends one row.
    ///
    /// # Panics
    /// When the row does not have as many cells as the header: a table's
    /// width is fixed by the code that builds it, so this is a bug there.
    pub fn row<C: MdCell>(&mut self, cells: impl IntoIterator<Item = C>) -> &mut MdTable {
        let row: Vec<Option<String>> = cells.into_iter().map(MdCell::into_cell).collect();
        assert_eq!(
            row.len(),
            self.header.len(),
            "Markdown table row of {} cells under a header of {}",
            row.len(),
            self.header.len()
        );
        self.rows.push(row);
        self
    }

    /// Appends the table to `out`, one line per row, each ending in `\n`.
    pub fn write_to(&self, out: &mut String) {
        line(out, &self.header);
        out.push('|');
        for a in &self.align {
            out.push(' ');
            out.push_str(a.rule());
            out.push_str(" |");
        }
        out.push('\n');
        for r in &self.rows {
            line(out, r);
        }
    }

    /// The table's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

fn line(out: &mut String, cells: &[Option<String>]) {
    out.push('|');
    for c in cells {
        if let Some(t) = c {
            out.push(' ');
            out.push_str(t);
        }
        out.push_str(" |");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::{Align, MdTable};

    #[test]
    fn a_table_is_a_header_a_rule_and_rows() {
        let mut t = MdTable::new(["name", "value"]);
        t.row(["a", "1"]).row([String::from("b"), String::new()]);
        assert_eq!(
            t.render(),
            "| name | value |\n| --- | --- |\n| a | 1 |\n| b |  |\n"
        );
    }

    #[test]
    fn a_none_cell_is_a_blank() {
        let mut t = MdTable::new([None, Some("μ")]);
        t.row([Some("x"), None]);
        assert_eq!(t.render(), "| | μ |\n| --- | --- |\n| x | |\n");
    }

    #[test]
    fn cells_are_written_verbatim() {
        let mut t = MdTable::new(["max \\|e\\|", "note"]);
        t.row(["a | b", "*c*"]);
        assert_eq!(
            t.render(),
            "| max \\|e\\| | note |\n| --- | --- |\n| a | b | *c* |\n"
        );
    }

    #[test]
    fn columns_can_be_aligned() {
        let t = MdTable::new(["a", "b", "c", "d"]).align(&[
            Align::None,
            Align::Left,
            Align::Center,
            Align::Right,
        ]);
        assert_eq!(
            t.render(),
            "| a | b | c | d |\n| --- | :--- | :---: | ---: |\n"
        );
    }

    #[test]
    #[should_panic(expected = "row of 1 cells under a header of 2")]
    fn a_row_of_the_wrong_width_is_refused() {
        MdTable::new(["a", "b"]).row(["1"]);
    }

    #[test]
    fn write_to_appends() {
        let mut s = String::from("intro\n\n");
        MdTable::new(["a"]).write_to(&mut s);
        assert_eq!(s, "intro\n\n| a |\n| --- |\n");
    }
}
