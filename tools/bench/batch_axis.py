#!/usr/bin/python3
"""Copies an ONNX model with its batch axis made symbolic ("N"), so that ONNX
Runtime can run batches of images through a model exported for batch 1:
    batch_axis.py IN.onnx OUT.onnx
(value_info is dropped: its batch-1 shapes would contradict the batch.)"""
import onnx, sys
m = onnx.load(sys.argv[1])
for v in list(m.graph.input) + list(m.graph.output):
    v.type.tensor_type.shape.dim[0].dim_param = "N"
del m.graph.value_info[:]
onnx.save(m, sys.argv[2])
