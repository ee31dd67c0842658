//go:build race

package cam_test

const raceEnabled = true
