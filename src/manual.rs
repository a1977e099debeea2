//! The man page and shell completions, generated from the clap definitions in `cli.rs`
//! (clap_mangen, clap_complete), so help, man page and completions never disagree.
//! Only the examples and exit status are laid out here, as roff that keeps their lines.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::{Cli, EXAMPLES, EXIT_STATUS};

/// `logscan man`: NAME, SYNOPSIS, DESCRIPTION, OPTIONS from clap, then COMMANDS,
/// EXAMPLES, EXIT STATUS and VERSION.
pub fn write_man_page(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in command.get_subcommands() {
        let args: Vec<String> = sub
            .get_positionals()
            .map(|a| format!(" \\fI{}\\fR", a.get_id().as_str().to_uppercase()))
            .collect();
        writeln!(
            out,
            ".TP\n\\fBlogscan {}\\fR{}",
            sub.get_name(),
            args.join("")
        )?;
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        writeln!(out, "{}", roff_text(&about))?;
    }
    writeln!(out, ".SH EXAMPLES")?;
    for (what, commands) in EXAMPLES {
        writeln!(out, ".PP\n{}\n.PP\n.RS 4\n.nf", roff_text(what))?;
        for c in *commands {
            writeln!(out, "{}", roff_text(c))?;
        }
        writeln!(out, ".fi\n.RE")?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"\n{}", roff_text(EXIT_STATUS))?;
    man.render_version_section(out)
}

/// `logscan completions SHELL`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "logscan", out);
}

/// Text as one roff line: backslashes and hyphens escaped, a leading `.` or `'` guarded.
fn roff_text(s: &str) -> String {
    let escaped = s.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_page_has_every_flag_and_the_examples() {
        let mut page = Vec::new();
        write_man_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(".TH logscan 1"), "{page}");
        for flag in ["\\-\\-html", "\\-\\-root", "\\-\\-auto", "\\-\\-since"] {
            assert!(page.contains(flag), "{flag} missing");
        }
        assert!(page.contains("\\fBlogscan completions\\fR \\fISHELL\\fR"));
        assert!(page.contains(".SH EXAMPLES") && page.contains("logscan \\-\\-since 2h"));
        assert!(page.contains("select(.type==\"incident\")"));
    }

    #[test]
    fn roff_lines_cannot_start_a_request() {
        assert_eq!(roff_text(".hidden"), "\\&.hidden");
        assert_eq!(roff_text("a\\b-c"), "a\\eb\\-c");
    }
}
