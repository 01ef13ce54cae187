//! Colour themes: `themes/*.toml` shipped with rnnlab and the user's own in
//! `$XDG_CONFIG_HOME/rnnlab/themes/`. Colours are terminal names (`red`, `lightblue`, ...),
//! `#rrggbb`, or 256-colour indices; `#rrggbb` falls back to the nearest 256-colour index unless
//! the terminal says it has true colour. NO_COLOR turns every colour off (selection and states
//! stay readable through reverse video and text).

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::net::Arch;
use crate::store::NetState;

/// A theme as written in a file; every key optional (missing keys keep the default's).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    text: Option<String>,
    dim: Option<String>,
    accent: Option<String>,
    border: Option<String>,
    selection: Option<String>,
    planned: Option<String>,
    training: Option<String>,
    trained: Option<String>,
    analysed: Option<String>,
    failed: Option<String>,
    diverged: Option<String>,
    vanilla: Option<String>,
    ugrnn: Option<String>,
    gru: Option<String>,
    lstm: Option<String>,
    #[serde(rename = "gru-torch")]
    gru_torch: Option<String>,
    #[serde(rename = "lstm-torch")]
    lstm_torch: Option<String>,
}

/// The colours the panes use.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Its name.
    pub name: String,
    /// Ordinary text.
    pub text: Color,
    /// Secondary text.
    pub dim: Color,
    /// Titles, the active tab.
    pub accent: Color,
    /// Pane borders.
    pub border: Color,
    /// Background of the selected row (always also reversed without colour).
    pub selection: Color,
    /// Per network state, in [`crate::store::NetState::ALL`] order.
    pub states: [Color; 6],
    /// Per architecture, in the order of [`Arch::ALL`].
    pub archs: [Color; 6],
    /// Colours are off (NO_COLOR): styles use modifiers only.
    pub monochrome: bool,
}

impl Default for Theme {
    /// The terminal's own named colours: right on dark and light backgrounds alike.
    fn default() -> Self {
        Theme {
            name: "default".into(),
            text: Color::Reset,
            dim: Color::DarkGray,
            accent: Color::Cyan,
            border: Color::DarkGray,
            selection: Color::Blue,
            states: [
                Color::DarkGray,
                Color::Yellow,
                Color::Blue,
                Color::Green,
                Color::Red,
                Color::Magenta,
            ],
            archs: [
                Color::Cyan,
                Color::Yellow,
                Color::Green,
                Color::Magenta,
                Color::Blue,
                Color::Red,
            ],
            monochrome: false,
        }
    }
}

/// Parses a colour: a name, `#rrggbb`, or a 256-colour index.
pub fn parse_color(s: &str, true_color: bool) -> Result<Color, String> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        let v = u32::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.len() == 6)
            .ok_or_else(|| format!("'{s}' is not #rrggbb"))?;
        let (r, g, b) = ((v >> 16) as u8, (v >> 8) as u8, v as u8);
        return Ok(if true_color {
            Color::Rgb(r, g, b)
        } else {
            Color::Indexed(nearest_256(r, g, b))
        });
    }
    if let Ok(i) = s.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    s.parse::<Color>()
        .map_err(|_| format!("'{s}' is not a colour (a name such as lightblue, #rrggbb or 0-255)"))
}

/// The nearest entry of the xterm 256-colour cube or grey ramp.
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * lr + 6 * lg + lb;
    let value = |l: u8| if l == 0 { 0 } else { 55 + 40 * l as i32 };
    let cube_error = (value(lr) - r as i32).pow(2)
        + (value(lg) - g as i32).pow(2)
        + (value(lb) - b as i32).pow(2);
    let grey = ((r as i32 + g as i32 + b as i32) / 3 - 8).clamp(0, 238) / 10;
    let grey_value = 8 + 10 * grey;
    let grey_error = (grey_value - r as i32).pow(2)
        + (grey_value - g as i32).pow(2)
        + (grey_value - b as i32).pow(2);
    if grey_error < cube_error {
        232 + grey as u8
    } else {
        cube
    }
}

impl Theme {
    /// The theme written in `text` (named `name`), over the default.
    pub fn parse(name: &str, text: &str, true_color: bool) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.message().replace('\n', " "))?;
        let mut theme = Theme {
            name: name.into(),
            ..Theme::default()
        };
        let set = |slot: &mut Color, value: &Option<String>, key: &str| -> Result<(), String> {
            if let Some(v) = value {
                *slot = parse_color(v, true_color).map_err(|m| format!("{key}: {m}"))?;
            }
            Ok(())
        };
        set(&mut theme.text, &file.text, "text")?;
        set(&mut theme.dim, &file.dim, "dim")?;
        set(&mut theme.accent, &file.accent, "accent")?;
        set(&mut theme.border, &file.border, "border")?;
        set(&mut theme.selection, &file.selection, "selection")?;
        let states = [
            (&file.planned, "planned"),
            (&file.training, "training"),
            (&file.trained, "trained"),
            (&file.analysed, "analysed"),
            (&file.failed, "failed"),
            (&file.diverged, "diverged"),
        ];
        for (k, (v, key)) in states.into_iter().enumerate() {
            set(&mut theme.states[k], v, key)?;
        }
        let archs = [
            (&file.vanilla, "vanilla"),
            (&file.ugrnn, "ugrnn"),
            (&file.gru, "gru"),
            (&file.lstm, "lstm"),
            (&file.gru_torch, "gru-torch"),
            (&file.lstm_torch, "lstm-torch"),
        ];
        for (k, (v, key)) in archs.into_iter().enumerate() {
            set(&mut theme.archs[k], v, key)?;
        }
        Ok(theme)
    }

    /// Every colour off; the look carried by modifiers.
    pub fn monochrome(mut self) -> Theme {
        self.text = Color::Reset;
        self.dim = Color::Reset;
        self.accent = Color::Reset;
        self.border = Color::Reset;
        self.selection = Color::Reset;
        self.states = [Color::Reset; 6];
        self.archs = [Color::Reset; 6];
        self.monochrome = true;
        self
    }

    /// Style of ordinary text.
    pub fn text(&self) -> Style {
        Style::default().fg(self.text)
    }

    /// Style of secondary text.
    pub fn dim(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.dim)
        }
    }

    /// Style of titles.
    pub fn accent(&self) -> Style {
        Style::default()
            .fg(self.accent)
            .add_modifier(Modifier::BOLD)
    }

    /// Style of borders.
    pub fn border(&self) -> Style {
        Style::default().fg(self.border)
    }

    /// Style of the selected row: reversed, so it shows without colour too.
    pub fn selected(&self) -> Style {
        Style::default()
            .add_modifier(Modifier::REVERSED)
            .add_modifier(Modifier::BOLD)
    }

    /// Colour of a state name.
    pub fn state(&self, state: NetState) -> Style {
        let k = NetState::ALL.iter().position(|&s| s == state).unwrap_or(0);
        Style::default().fg(self.states[k])
    }

    /// Colour of an architecture.
    pub fn arch(&self, arch: Arch) -> Color {
        let k = Arch::ALL.iter().position(|&a| a == arch).unwrap_or(0);
        self.archs[k]
    }
}

/// Where themes are looked for, in order: the user's, then the shipped ones.
pub fn theme_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        dirs.push(c.join("rnnlab").join("themes"));
    }
    dirs.push(PathBuf::from("themes"));
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("themes"));
    dirs
}

/// The theme called `name` from `dirs` (None: the default), honouring NO_COLOR; a theme that
/// cannot be read or parsed gives the default and a one-line message saying why.
pub fn load(
    name: Option<&str>,
    dirs: &[PathBuf],
    no_color: bool,
    true_color: bool,
) -> (Theme, Option<String>) {
    let (theme, problem) = match name {
        None | Some("default") => (Theme::default(), None),
        Some(name) => match dirs
            .iter()
            .map(|d| d.join(format!("{name}.toml")))
            .find(|p| p.exists())
        {
            None => (
                Theme::default(),
                Some(format!(
                    "theme '{name}' not found in {}",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            Some(path) => match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| Theme::parse(name, &t, true_color))
            {
                Ok(t) => (t, None),
                Err(m) => (
                    Theme::default(),
                    Some(format!("{}: {m}; using the default theme", path.display())),
                ),
            },
        },
    };
    (if no_color { theme.monochrome() } else { theme }, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_fall_back_to_256() {
        assert_eq!(parse_color("lightblue", true), Ok(Color::LightBlue));
        assert_eq!(parse_color("#ff0000", true), Ok(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_color("#ff0000", false), Ok(Color::Indexed(196)));
        assert_eq!(parse_color("#808080", false), Ok(Color::Indexed(244)));
        assert_eq!(parse_color("42", false), Ok(Color::Indexed(42)));
        assert!(parse_color("#12", true).is_err());
        assert!(parse_color("blurple", true).is_err());
    }

    #[test]
    fn shipped_themes_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        for name in ["dark", "light", "colorblind"] {
            let text = std::fs::read_to_string(dir.join(format!("{name}.toml"))).unwrap();
            Theme::parse(name, &text, true).unwrap();
        }
    }
}
