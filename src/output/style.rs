//! Colour for the human report: a handful of ANSI styles, all empty when colour is off.
//! Colour codes come only from here, never from log text.

#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    pub fn new(on: bool) -> Style {
        Style { on }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }

    pub fn red(&self, t: &str) -> String {
        self.wrap("1;31", t)
    }

    pub fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }

    pub fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }

    pub fn cyan(&self, t: &str) -> String {
        self.wrap("36", t)
    }
}
