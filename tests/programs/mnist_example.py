"""The shape of PyTorch's official MNIST example (a conv net, Adadelta, StepLR, nll_loss,
argmax / eq / view_as accuracy), run by tests/test_pytorch_programs.py under torch and
under dyngrad with only the imports changed: the header below is the only difference."""
# ---- imports (the test swaps this block for dyngrad's) ----
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset
# ---- end of imports ----

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 12 * 12, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)

rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 10, 64))
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=False)
model = Net()
weights = np.load(sys.argv[1])
model.load_state_dict({k: torch.tensor(weights[k]) for k in weights.files})
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
model.eval()   # no dropout, for a deterministic comparison
losses = []
for epoch in range(2):
    for data, target in loader:
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
correct = 0
test_loss = 0
with torch.no_grad():
    for data, target in loader:
        output = model(data)
        test_loss += F.nll_loss(output, target, reduction='sum').item()
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()
print(" ".join(f"{l:.5f}" for l in losses), correct, f"{test_loss:.4f}")
