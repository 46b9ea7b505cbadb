//! The one CSV writer for every table the tool writes (`sdsl alpha
//! estimate --csv`, the lab's tables): RFC 4180 through the `csv` crate, so a
//! field with a comma, quote or newline is quoted correctly. Numbers are
//! formatted by the caller (so each table keeps its own precision).

use crate::error::SdslError;

/// A CSV table built in memory: a header, then rows of the same width.
#[derive(Debug)]
pub struct CsvTable {
    writer: csv::Writer<Vec<u8>>,
    width: usize,
}

fn err(e: csv::Error) -> SdslError {
    SdslError::Numerical(format!("writing CSV: {e}"))
}

impl CsvTable {
    /// A table with these column names.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Result<CsvTable, SdslError> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer
            .write_record(header.iter().map(|h| h.as_ref()))
            .map_err(err)?;
        Ok(CsvTable {
            writer,
            width: header.len(),
        })
    }

    /// Appends one row; it must have as many fields as the header.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), SdslError> {
        if fields.len() != self.width {
            return Err(SdslError::InvalidArgument(format!(
                "CSV row of {} fields under a header of {}",
                fields.len(),
                self.width
            )));
        }
        self.writer
            .write_record(fields.iter().map(|f| f.as_ref()))
            .map_err(err)
    }

    /// The table's text.
    pub fn finish(self) -> Result<String, SdslError> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| SdslError::Numerical(format!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| SdslError::Numerical(format!("writing CSV: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::CsvTable;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut t = CsvTable::new(&["name", "note"]).unwrap();
        t.row(&["a", "plain"]).unwrap();
        t.row(&["b,c", "say \"hi\"\nthere"]).unwrap();
        assert_eq!(
            t.finish().unwrap(),
            "name,note\na,plain\n\"b,c\",\"say \"\"hi\"\"\nthere\"\n"
        );
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused() {
        let mut t = CsvTable::new(&["a", "b"]).unwrap();
        assert!(t.row(&["1"]).is_err());
    }
}
