//! Focus on a selection (issue #10 point 7): the graph shows only the selected
//! object's neighbourhood, one or two hops out (`engine::focus`, §13.4), and a
//! breadcrumb leads back to the whole picture. The graph applies the focus to the
//! scene it builds (`graph.rs`); this module holds the choice and draws the bar.

use leptos::prelude::*;

use super::state::AppState;
use crate::engine::focus::Hops;
use crate::engine::scene;

/// The reach the next "Focus" uses, through context; the focus itself is
/// `AppState::focus`, which a new input clears.
#[derive(Clone, Copy)]
pub struct FocusState {
    pub hops: RwSignal<Hops>,
}

pub fn provide_focus() {
    provide_context(FocusState {
        hops: RwSignal::new(Hops::One),
    });
}

/// "Focus" and its reach while something is selected; while focused, the
/// breadcrumb "Whole picture › name (1 hop)".
#[component]
pub fn FocusBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let focus = expect_context::<FocusState>();
    let focus_on = move || {
        // The selection is already what a click means: a workload for its groups.
        if let Some(selected) = state.selection.get_untracked() {
            state
                .focus
                .set(Some((selected, focus.hops.get_untracked())));
        }
    };
    let on_hops = move |ev: leptos::ev::Event| {
        let hops = if event_target_value(&ev) == "2" {
            Hops::Two
        } else {
            Hops::One
        };
        focus.hops.set(hops);
        state.focus.update(|current| {
            if let Some((_, reach)) = current {
                *reach = hops;
            }
        });
    };
    let crumb = move || {
        state.focus.get().map(|(id, hops)| {
            let name = scene::parse_id(&id).map_or(id.clone(), |(_, key)| key.to_string());
            view! {
                <span class="crumb-sep" aria-hidden="true">"›"</span>
                <span class="crumb-current" aria-current="location" data-testid="focus-crumb">{format!("{name} · {}", hops_label(hops))}</span>
            }
        })
    };
    view! {
        <nav class="focus-bar" aria-label="Focus" data-testid="focus-bar">
            <button type="button" class="link" data-testid="focus-leave" disabled=move || state.focus.with(Option::is_none)
                on:click=move |_| state.focus.set(None)>"Whole picture"</button>
            {crumb}
            <span class="focus-tools">
                <label>
                    <span class="sr-only">"Focus reach"</span>
                    <select data-testid="focus-hops" aria-label="Focus reach" on:change=on_hops
                        prop:value=move || if focus.hops.get() == Hops::Two { "2" } else { "1" }>
                        <option value="1">"1 hop"</option>
                        <option value="2">"2 hops"</option>
                    </select>
                </label>
                <button type="button" data-testid="focus" disabled=move || state.selection.with(Option::is_none)
                    title="Show only the selection and what it connects to"
                    on:click=move |_| focus_on()>"Focus"</button>
            </span>
        </nav>
    }
}

fn hops_label(hops: Hops) -> &'static str {
    match hops {
        Hops::One => "1 hop",
        Hops::Two => "2 hops",
    }
}
