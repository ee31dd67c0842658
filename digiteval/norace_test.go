//go:build !race

package digiteval

const metricsRaceEnabled = false
