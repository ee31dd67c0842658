package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme is Fyne's theme held in one variant (light or dark),
// whatever the desktop prefers, with the input borders (the outline of
// an unchecked box or radio button) dark enough to see: Fyne's are
// nearly the background's colour (contrast 1.2–1.5; WCAG asks 3 of a
// control's outline).
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// inputBorder is the outline of inputs in each variant.
var inputBorder = map[fyne.ThemeVariant]color.Color{
	theme.VariantLight: color.NRGBA{0x80, 0x80, 0x80, 0xff},
	theme.VariantDark:  color.NRGBA{0x8a, 0x8a, 0x8a, 0xff},
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameInputBorder {
		return inputBorder[t.variant]
	}
	return t.Theme.Color(n, t.variant)
}

// barTheme colours the probability bars: a fill light (light theme) or
// dark (dark theme) enough that the number drawn on it reads, on the
// filled part and on the track alike (near-black text in the light
// theme: Fyne's grey text on a mid blue does not).
type barTheme struct{ variantTheme }

var barFill = map[fyne.ThemeVariant]color.Color{
	theme.VariantLight: color.NRGBA{0x90, 0xca, 0xf9, 0xff},
	theme.VariantDark:  color.NRGBA{0x15, 0x4c, 0x9a, 0xff},
}

func (t barTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch {
	case n == theme.ColorNamePrimary:
		return barFill[t.variant]
	case n == theme.ColorNameForeground && t.variant == theme.VariantLight:
		return color.NRGBA{0x11, 0x11, 0x11, 0xff}
	}
	return t.variantTheme.Color(n, v)
}

func (u *UI) variant() fyne.ThemeVariant {
	if u.dark {
		return theme.VariantDark
	}
	return theme.VariantLight
}

func (u *UI) theme() variantTheme {
	return variantTheme{Theme: theme.DefaultTheme(), variant: u.variant()}
}

func (u *UI) applyTheme() {
	u.fy.Settings().SetTheme(u.theme())
	for _, o := range u.w.bars {
		o.Theme = barTheme{u.theme()}
		o.Refresh()
	}
}

// toggleTheme switches between light and dark and remembers the choice.
func (u *UI) toggleTheme() {
	u.dark = !u.dark
	u.fy.Preferences().SetBool("dark", u.dark)
	u.applyTheme()
	u.barKey = ""
	u.refresh()
}

// contrast is the WCAG 2 contrast ratio of two opaque colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// luminance is a colour's relative luminance (sRGB, WCAG 2).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over composites c (with its alpha) over the opaque colour bg.
func over(c, bg color.Color) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	br, bgG, bb, _ := bg.RGBA()
	a := float64(n.A) / 255
	mix := func(f uint8, b uint32) uint8 { return uint8(math.Round(float64(f)*a + float64(b>>8)*(1-a))) }
	return color.NRGBA{mix(n.R, br), mix(n.G, bgG), mix(n.B, bb), 0xff}
}
