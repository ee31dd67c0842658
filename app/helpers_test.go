package app

// goldenLayers are the tiny VGG16's layers the golden maps were made at.
var goldenLayers = map[int]string{
	22: "/features/features.22/Relu_output_0",
	29: "/features/features.29/Relu_output_0",
}
