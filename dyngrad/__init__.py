"""dyngrad's command line (`dyngrad train ...`); the libraries are `autograd` and `nn`."""
