/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-keymap.h"
#include "hg-vm.h"

G_BEGIN_DECLS

/* Longest text typed at once (characters) */
#define HG_VM_TYPE_MAX_CHARS 65536
/* Time between two characters: the guest's keyboard controller holds few
 * bytes (a PS/2 queue drops what does not fit), so the text is typed at a
 * typist's pace, not poured in */
#define HG_VM_TYPE_INTERVAL_MS 20

/* Types text into the guest as key presses (QMP input-send-event, one
 * character's presses and releases at a time) on the VM's keymap
 * ([display] keymap, en-us when unset): see hg_keymap_text_to_strokes().
 * Every character is checked before the first key goes out.  Needs the
 * VM running.  Cancel to stop typing.  Finish with hg_vm_action_finish(). */
void         hg_vm_type_text_async       (HgVm *self, const char *text,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);

/* TRUE while a text is being typed into the VM (a second one is refused
 * with HG_PROCESS_ERROR_BUSY until it is done) */
gboolean     hg_vm_is_typing             (HgVm *self);

G_END_DECLS
