#!/bin/sh
# rdinit=/lg/echo.sh: read one line typed on the console (pciassign-vmm
# --console-in feeds its stdin to the UART) and say it back.
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS0 -echo 2>/dev/null
echo "LG-ECHO-READY"
read -r line </dev/ttyS0
echo "LG-ECHO $line"
poweroff -f
