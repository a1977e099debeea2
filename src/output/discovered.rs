//! What discovery found, for stderr before the report: one line per log read (its kind,
//! path and why it was picked), then what was left out and why, or — when nothing was
//! found — where logscan looked and how to name logs instead.

use std::io::{self, Write};

use super::human::display_path;
use super::sanitize::for_terminal;
use crate::input::discover::{Discovery, PLACES};
use crate::input::{Input, Source};

pub fn write_discovery(out: &mut impl Write, d: &Discovery) -> io::Result<()> {
    let place = if d.other_root {
        format!("under {}", for_terminal(&d.root.display().to_string()))
    } else {
        "on this machine".to_string()
    };
    if d.found.is_empty() {
        writeln!(out, "logscan: found no logs {place}. Looked in:")?;
        for p in PLACES {
            writeln!(out, "  {p}")?;
        }
        write_skipped(out, &d.skipped)?;
        return writeln!(
            out,
            "Name the logs instead (logscan /path/to/error.log ...) or pipe them (docker logs -t web 2>&1 | logscan -)."
        );
    }
    let count = d.found.len();
    writeln!(
        out,
        "logscan: reading {count} log{} found {place}:",
        if count == 1 { "" } else { "s" }
    )?;
    for f in &d.found {
        let shown = shown(&f.input);
        match &f.detail {
            Some(detail) => writeln!(
                out,
                "  {:<8} {shown}  ({})",
                f.kind.name(),
                for_terminal(detail)
            )?,
            None => writeln!(out, "  {:<8} {shown}", f.kind.name())?,
        }
    }
    write_skipped(out, &d.skipped)?;
    if let Some(note) = &d.zone_note {
        writeln!(
            out,
            "  times without a zone are read in {} (--tz overrides)",
            for_terminal(note)
        )?;
    }
    if let (Some(first), Some(horizon)) = (d.old_rotations.first(), d.horizon) {
        writeln!(
            out,
            "  not read: {} rotated log{} last written before {} (e.g. {}); --since reaches further",
            d.old_rotations.len(),
            if d.old_rotations.len() == 1 { "" } else { "s" },
            horizon.format("%Y-%m-%d %H:%M UTC"),
            display_path(&first.display().to_string())
        )?;
    }
    Ok(())
}

fn write_skipped(out: &mut impl Write, skipped: &[(String, String)]) -> io::Result<()> {
    for (what, why) in skipped {
        writeln!(
            out,
            "  not read: {}: {}",
            display_path(what),
            for_terminal(why)
        )?;
    }
    Ok(())
}

/// A file as people see it; a command as it could be typed again.
fn shown(input: &Input) -> String {
    match &input.source {
        Source::File(p) => display_path(&p.display().to_string()),
        Source::Command { program, args } => {
            let program = program.file_name().unwrap_or(program.as_os_str());
            let line = std::iter::once(program.to_string_lossy().into_owned())
                .chain(args.iter().map(|a| shell_word(a)))
                .collect::<Vec<_>>()
                .join(" ");
            for_terminal(&line).into_owned()
        }
        Source::Stdin => input.name.to_string(),
    }
}

/// An argument as a shell would need it to be typed (so the command can be re-run).
fn shell_word(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=@:,+%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_when_needed() {
        assert_eq!(shell_word("--since"), "--since");
        assert_eq!(shell_word("@1795500000"), "@1795500000");
        assert_eq!(shell_word("/mnt/old disk"), "'/mnt/old disk'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
