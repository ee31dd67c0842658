//go:build !race

package app

const metricsRaceEnabled = false
