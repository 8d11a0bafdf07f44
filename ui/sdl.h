/*
 * -display sdl: an SDL2 window showing a Display, scaled to the window,
 * following the guest's mode; keyboard to the 8042 (PS/2 scan code set 2),
 * mouse to the PS/2 mouse while the input is grabbed (a click in the window
 * grabs, Ctrl+Alt+G grabs and releases); closing the window quits.
 */
#ifndef UI_SDL_H
#define UI_SDL_H

#include "hw/isa.h"
#include "system/main-loop.h"
#include "ui/console.h"

typedef struct SDLDisplay SDLDisplay;

/* NULL with *err (malloc'd) when SDL is not built in or cannot open a window. */
SDLDisplay *sdl_display_new(Display *d, MainLoop *ml, I8042State *kbd, char **err);
void sdl_display_free(SDLDisplay *s);   /* NULL is fine */

#endif
