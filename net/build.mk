# The guest network: the NetClient layer, the -netdev/-nic/-device e1000 options,
# and the back ends (user-mode NAT, socket, tap). Linked into the system
# emulator with the devices (hw-obj), and into the network fuzz test.
net-obj := $(patsubst $(SRC)/%.c,%.o,$(wildcard $(SRC)/net/*.c))
hw-obj += $(net-obj)
