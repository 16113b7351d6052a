; SPDX-License-Identifier: GPL-3.0-or-later
;
; Hangar's tiny test guest: one 512-byte x86 boot sector (nasm -f bin).
;
; It writes "HANGAR-BOOT OK" to COM1 (115200 8N1) and to VGA text memory,
; then echoes every byte it reads from COM1 back to COM1 and onto the VGA
; screen.  Between bytes the CPU sleeps in HLT, woken by the COM1 receive
; interrupt (IRQ 4) or the BIOS timer, so an idle guest costs no host CPU.
; Works when loaded from a floppy, a hard disk or an El Torito CD.

bits 16
org 0x7c00

COM1     equ 0x3f8
VGA_SEG  equ 0xb800
ATTR     equ 0x0a                 ; light green on black

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        jmp 0:.flat               ; normalise CS:IP (some BIOSes use 07c0:0000)
.flat:
        cld
        mov ax, VGA_SEG
        mov es, ax

        ; IRQ 4 (COM1) is vector 0x0c with the BIOS PIC set-up
        mov word [0x0c*4], irq4
        mov word [0x0c*4+2], 0

        ; COM1: 115200 baud 8N1, FIFO on, receive interrupt routed by OUT2
        mov dx, COM1+1
        xor al, al
        out dx, al                ; IER = 0 while programming
        mov dx, COM1+3
        mov al, 0x80
        out dx, al                ; DLAB
        mov dx, COM1
        mov al, 1
        out dx, al                ; divisor low = 1 (115200)
        inc dx
        xor al, al
        out dx, al                ; divisor high
        mov dx, COM1+3
        mov al, 0x03
        out dx, al                ; 8N1, DLAB off
        mov dx, COM1+2
        mov al, 0xc7
        out dx, al                ; FIFO on and cleared
        mov dx, COM1+4
        mov al, 0x0b
        out dx, al                ; DTR, RTS, OUT2
        mov dx, COM1+1
        mov al, 0x01
        out dx, al                ; IER: received data available

        ; unmask IRQ 4 on the master PIC
        in al, 0x21
        and al, 0xef
        out 0x21, al

        ; clear the screen
        xor di, di
        mov cx, 80*25
        mov ax, (ATTR << 8) | ' '
        rep stosw
        xor di, di                ; di = VGA cursor (byte offset)

        mov si, banner
.banner:
        lodsb
        test al, al
        jz .echo
        call putc
        jmp .banner

.echo:
        cli
        mov dx, COM1+5
        in al, dx
        test al, 0x01             ; data ready?
        jnz .got
        sti
        hlt                       ; sti;hlt: no lost wake-up
        jmp .echo
.got:
        mov dx, COM1
        in al, dx
        call putc
        jmp .echo

; putc: AL to COM1 and to the VGA screen at DI ('\r' and '\n' move DI)
putc:
        push ax
        mov ah, al
        mov dx, COM1+5
.wait:
        in al, dx
        test al, 0x20             ; transmit holding register empty?
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        pop ax
        cmp al, 13
        je .cr
        cmp al, 10
        je .lf
        mov ah, ATTR
        stosw
        jmp .wrap
.cr:
        mov ax, di
        xor dx, dx
        mov bx, 160
        div bx
        sub di, dx                ; start of the line
        ret
.lf:
        add di, 160
.wrap:
        cmp di, 80*25*2
        jb .done
        mov di, 160               ; keep the banner line, restart below it
.done:
        ret

irq4:
        push ax
        mov al, 0x20
        out 0x20, al              ; EOI; the main loop reads the byte
        pop ax
        iret

banner: db "HANGAR-BOOT OK", 13, 10, 0

        times 510-($-$$) db 0
        dw 0xaa55
