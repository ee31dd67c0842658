//go:build !race

package analysis

const metricsRaceEnabled = false
