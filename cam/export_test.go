package cam

// StrongestFirst exposes the channel order of ScoreWeights to cam_test, so
// the tests check the order the code uses rather than a copy of it.
var StrongestFirst = strongestFirst
