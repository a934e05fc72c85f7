#!/bin/bash
# Boots the ISO and the netboot tree under each firmware and medium, and
# waits for init's ready line on the serial port:
#   cd-bios usb-bios cd-uefi usb-uefi usb-secureboot pxe-bios pxe-uefi
# The ISO is attached as an IDE CD or a USB stick on xHCI; netboot goes
# through QEMU's built-in DHCP and TFTP (the PXE ROMs are iPXE's, with SeaBIOS
# and with OVMF).
#   usage: firmware.sh PATH/TO/lifeboat CASE     (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init "boot-${2:-}" "${1:-}"
case_name=${2:?usage: firmware.sh PATH/TO/lifeboat CASE}
limit=${BOOT_LIMIT:-300}   # seconds to the ready line; a loaded 2-core machine is slow under TCG

stick=(-drive "if=none,id=stick,format=raw,readonly=on,file=$ISO" -device qemu-xhci -device "usb-storage,drive=stick,bootindex=0")
cd=(-drive "if=none,id=cd,format=raw,readonly=on,media=cdrom,file=$ISO" -device "ide-cd,drive=cd,bootindex=0")
firmware=BIOS medium="" secure=""
case "$case_name" in
cd-bios) args=(-machine pc "${cd[@]}") medium=sr0 ;;
usb-bios) args=(-machine pc "${stick[@]}") medium=sda ;;
cd-uefi | usb-uefi | usb-secureboot)
    if [ "$case_name" = usb-secureboot ]; then
        uefi_args secure
        args=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on "${UEFI_ARGS[@]}")
        secure=", Secure Boot on"
    else
        uefi_args
        args=(-machine q35 "${UEFI_ARGS[@]}")
        secure=", Secure Boot off"
    fi
    firmware=UEFI
    if [ "$case_name" = cd-uefi ]; then args+=("${cd[@]}") medium=sr0; else args+=("${stick[@]}") medium=sda; fi
    ;;
pxe-bios) args=(-machine pc -netdev "user,id=n0,tftp=$NETBOOT,bootfile=pxelinux.0" -device e1000,netdev=n0 -boot n) ;;
pxe-uefi)
    uefi_args
    args=(-machine q35 "${UEFI_ARGS[@]}" -netdev "user,id=n0,tftp=$NETBOOT,bootfile=bootx64.efi"
        -device "virtio-net-pci,netdev=n0,bootindex=0")
    firmware=UEFI secure=", Secure Boot off"
    ;;
*) die "unknown case '$case_name'" ;;
esac

start_qemu "$case_name" "${args[@]}"
if wait_for 'Lifeboat [0-9][^ ]* ready' "$limit"; then
    say "boot $case_name: power-on to ready line $elapsed s"
    expect "lifeboat: started by $firmware$secure;" "started by $firmware$secure"
    if [ -n "$medium" ]; then
        expect "boot medium: /dev/$medium " "the boot medium /dev/$medium is recorded (never a restore target)"
    else
        expect 'network: eth0 up \(10\.0\.2\.[0-9]+/24\)' "netboot: eth0 up by DHCP"
    fi
fi
stop_qemu
lb_finish
