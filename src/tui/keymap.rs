//! The one keymap: every binding, its action and its help line. Key handling and the `?` help
//! overlay both read this table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Move the selection up one row.
    Up,
    /// Move the selection down one row.
    Down,
    /// Up one page.
    PageUp,
    /// Down one page.
    PageDown,
    /// To the first row.
    First,
    /// To the last row.
    Last,
    /// Next pane.
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Previous experiment.
    PrevExperiment,
    /// Next experiment.
    NextExperiment,
    /// Open the network (from runs: its experiment's networks).
    Open,
    /// Sort by the next column.
    SortNext,
    /// Reverse the sort.
    SortReverse,
    /// Start typing a filter.
    Filter,
    /// Mark or unmark the network for the curves overlay.
    Mark,
    /// Pick an experiment file and launch it.
    Launch,
    /// Stop the selected experiment's run.
    Stop,
    /// Submit an experiment file to Slurm.
    SlurmSubmit,
    /// The similarity pane's next metric.
    CycleMetric,
    /// Colour the MDS map by architecture or by activation.
    ToggleColour,
    /// Save the pane's figure (SVG and PNG) beside the notebook.
    SaveFigure,
    /// The wide view: the pane drawn where nothing is cut, panned with the arrows.
    Wide,
    /// Show or hide the help.
    Help,
    /// Close an overlay, clear a filter.
    Back,
    /// Leave (runs keep going).
    Quit,
}

/// One binding.
pub struct Binding {
    /// The keys, as shown in the help.
    pub keys: &'static str,
    /// The action.
    pub action: Action,
    /// What it does.
    pub help: &'static str,
}

/// Every binding, in help order.
pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: "↑ k",
        action: Action::Up,
        help: "previous row",
    },
    Binding {
        keys: "↓ j",
        action: Action::Down,
        help: "next row",
    },
    Binding {
        keys: "PgUp",
        action: Action::PageUp,
        help: "previous page",
    },
    Binding {
        keys: "PgDn",
        action: Action::PageDown,
        help: "next page",
    },
    Binding {
        keys: "g",
        action: Action::First,
        help: "first row",
    },
    Binding {
        keys: "G",
        action: Action::Last,
        help: "last row",
    },
    Binding {
        keys: "Tab",
        action: Action::NextPane,
        help: "next pane",
    },
    Binding {
        keys: "S-Tab",
        action: Action::PrevPane,
        help: "previous pane",
    },
    Binding {
        keys: "← h",
        action: Action::PrevExperiment,
        help: "previous experiment",
    },
    Binding {
        keys: "→ l",
        action: Action::NextExperiment,
        help: "next experiment",
    },
    Binding {
        keys: "Enter",
        action: Action::Open,
        help: "open: experiment → networks → curves",
    },
    Binding {
        keys: "s",
        action: Action::SortNext,
        help: "sort by the next column",
    },
    Binding {
        keys: "r",
        action: Action::SortReverse,
        help: "reverse the sort",
    },
    Binding {
        keys: "/",
        action: Action::Filter,
        help: "filter, as rnnlab ls --where",
    },
    Binding {
        keys: "Space",
        action: Action::Mark,
        help: "mark a network for the curves overlay",
    },
    Binding {
        keys: "n",
        action: Action::Launch,
        help: "launch an experiment file",
    },
    Binding {
        keys: "x",
        action: Action::Stop,
        help: "stop the experiment's run (and cancel its Slurm arrays)",
    },
    Binding {
        keys: "S",
        action: Action::SlurmSubmit,
        help: "submit an experiment file to Slurm",
    },
    Binding {
        keys: "m",
        action: Action::CycleMetric,
        help: "similarity: the next metric",
    },
    Binding {
        keys: "c",
        action: Action::ToggleColour,
        help: "similarity map: colour by cell or activation",
    },
    Binding {
        keys: "p",
        action: Action::SaveFigure,
        help: "save the pane as SVG + PNG",
    },
    Binding {
        keys: "v",
        action: Action::Wide,
        help: "wide view: the pane at 200×60, nothing cut (arrows pan)",
    },
    Binding {
        keys: "?",
        action: Action::Help,
        help: "this help",
    },
    Binding {
        keys: "Esc",
        action: Action::Back,
        help: "close, clear the filter",
    },
    Binding {
        keys: "q",
        action: Action::Quit,
        help: "quit (runs keep going)",
    },
];

/// The action bound to a key, if any.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::First,
        KeyCode::End | KeyCode::Char('G') => Action::Last,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Left | KeyCode::Char('h') => Action::PrevExperiment,
        KeyCode::Right | KeyCode::Char('l') => Action::NextExperiment,
        KeyCode::Enter => Action::Open,
        KeyCode::Char('s') => Action::SortNext,
        KeyCode::Char('r') => Action::SortReverse,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char(' ') => Action::Mark,
        KeyCode::Char('n') => Action::Launch,
        KeyCode::Char('x') => Action::Stop,
        KeyCode::Char('S') => Action::SlurmSubmit,
        KeyCode::Char('m') => Action::CycleMetric,
        KeyCode::Char('c') => Action::ToggleColour,
        KeyCode::Char('p') => Action::SaveFigure,
        KeyCode::Char('v') => Action::Wide,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_help_line_and_a_key() {
        use crossterm::event::KeyEvent;
        let keys = [
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Char('g'),
            KeyCode::Char('G'),
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Enter,
            KeyCode::Char('s'),
            KeyCode::Char('r'),
            KeyCode::Char('/'),
            KeyCode::Char(' '),
            KeyCode::Char('n'),
            KeyCode::Char('x'),
            KeyCode::Char('S'),
            KeyCode::Char('m'),
            KeyCode::Char('c'),
            KeyCode::Char('p'),
            KeyCode::Char('v'),
            KeyCode::Char('?'),
            KeyCode::Esc,
            KeyCode::Char('q'),
        ];
        let bound: Vec<Action> = keys
            .iter()
            .filter_map(|&k| action_for(KeyEvent::from(k)))
            .collect();
        assert_eq!(bound.len(), KEYMAP.len());
        for b in KEYMAP {
            assert!(bound.contains(&b.action), "{:?} has no key", b.action);
        }
    }
}
