package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme is Fyne's theme held in one variant (light or dark),
// whatever the desktop prefers.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

func (u *UI) variant() fyne.ThemeVariant {
	if u.dark {
		return theme.VariantDark
	}
	return theme.VariantLight
}

func (u *UI) applyTheme() {
	u.fy.Settings().SetTheme(variantTheme{Theme: theme.DefaultTheme(), variant: u.variant()})
}

// toggleTheme switches between light and dark and remembers the choice.
func (u *UI) toggleTheme() {
	u.dark = !u.dark
	u.fy.Preferences().SetBool("dark", u.dark)
	u.applyTheme()
	u.barKey = ""
	u.refresh()
}
