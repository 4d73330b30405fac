#!/bin/sh
# rdinit=/lg/echo.sh: read one line typed on the console (pciassign-vmm
# --console-in feeds its stdin to the UART), say it back, and reboot (the
# rig checks that pciassign-vmm ends with status 104).
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS0 -echo 2>/dev/null
echo "LG-ECHO-READY"
read -r line </dev/ttyS0
echo "LG-ECHO $line"
echo "LG-REBOOTING"
reboot -f
