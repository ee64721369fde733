print("sfunnelc")
