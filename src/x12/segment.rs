//! A segment buffer: appends elements (checked or sanitised), trims trailing empty elements,
//! counts segments for SE01, and names the failing field in errors.

use chrono::{Datelike, NaiveDate};

use super::error::{Problem, X12Error};
use super::escape::{self, COMPONENT, ELEMENT, SEGMENT};

/// The output of the writer while it is being built.
pub(crate) struct Out {
    pub buf: String,
    /// Segments written since the last [`Out::reset_count`] (ST starts a count).
    pub count: u32,
    pub line_breaks: bool,
    pub transaction: Option<usize>,
    pub claim: Option<usize>,
    pub line: Option<usize>,
}

pub(crate) type Res = Result<(), X12Error>;

impl Out {
    pub fn new(capacity: usize, line_breaks: bool) -> Out {
        Out {
            buf: String::with_capacity(capacity),
            count: 0,
            line_breaks,
            transaction: None,
            claim: None,
            line: None,
        }
    }

    /// An error for `field` at the current position.
    pub fn err(&self, field: &'static str, problem: Problem) -> X12Error {
        X12Error {
            transaction: self.transaction,
            claim: self.claim,
            line: self.line,
            field,
            problem,
        }
    }

    /// Starts a segment with its id.
    pub fn seg(&mut self, id: &str) -> &mut Out {
        self.buf.push_str(id);
        self
    }

    /// Ends the segment: drops trailing empty elements and components, writes the terminator.
    pub fn end(&mut self) {
        while self.buf.ends_with(ELEMENT) || self.buf.ends_with(COMPONENT) {
            self.buf.pop();
        }
        self.end_untrimmed();
    }

    /// Ends the segment as it is (ISA, whose last element is the component separator).
    pub fn end_untrimmed(&mut self) {
        self.buf.push(SEGMENT);
        if self.line_breaks {
            self.buf.push('\n');
        }
        self.count += 1;
    }

    /// A constant or already-checked element.
    pub fn raw(&mut self, value: &str) -> &mut Out {
        self.buf.push(ELEMENT);
        self.buf.push_str(value);
        self
    }

    /// `n` empty elements.
    pub fn skip(&mut self, n: usize) -> &mut Out {
        for _ in 0..n {
            self.buf.push(ELEMENT);
        }
        self
    }

    /// A constant or already-checked component of a composite (after its first part).
    pub fn comp(&mut self, value: &str) -> &mut Out {
        self.buf.push(COMPONENT);
        self.buf.push_str(value);
        self
    }

    /// An identifier element, checked (see [`escape::check_id`]).
    pub fn id(
        &mut self,
        value: &str,
        field: &'static str,
        min: usize,
        max: usize,
    ) -> Result<&mut Out, X12Error> {
        let v = escape::check_id(value, min, max).map_err(|p| self.err(field, p))?;
        Ok(self.raw(v))
    }

    /// A digits-only element.
    pub fn digits(
        &mut self,
        value: &str,
        field: &'static str,
        min: usize,
        max: usize,
    ) -> Result<&mut Out, X12Error> {
        let v = escape::check_digits(value, min, max).map_err(|p| self.err(field, p))?;
        Ok(self.raw(v))
    }

    /// A free-text element, sanitised (see [`escape::push_text`]).
    pub fn text(
        &mut self,
        value: &str,
        field: &'static str,
        max: usize,
    ) -> Result<&mut Out, X12Error> {
        self.buf.push(ELEMENT);
        if let Err(p) = escape::push_text(&mut self.buf, value, max) {
            return Err(self.err(field, p));
        }
        Ok(self)
    }

    /// An optional free-text element: empty when `None`.
    pub fn opt_text(
        &mut self,
        value: Option<&str>,
        field: &'static str,
        max: usize,
    ) -> Result<&mut Out, X12Error> {
        match value {
            Some(v) => self.text(v, field, max),
            None => Ok(self.skip(1)),
        }
    }

    /// A money element from cents.
    pub fn money(&mut self, cents: i64) -> &mut Out {
        self.buf.push(ELEMENT);
        escape::push_money(&mut self.buf, cents);
        self
    }

    /// An unsigned number element.
    pub fn num(&mut self, n: u64) -> &mut Out {
        use std::fmt::Write;
        self.buf.push(ELEMENT);
        let _ = write!(self.buf, "{n}");
        self
    }

    /// A CCYYMMDD date element.
    pub fn date(&mut self, d: NaiveDate) -> &mut Out {
        use std::fmt::Write;
        self.buf.push(ELEMENT);
        let _ = write!(self.buf, "{:04}{:02}{:02}", d.year(), d.month(), d.day());
        self
    }
}
