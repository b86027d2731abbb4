/* The book of the simulation VaR targets (fuzz_historical, fuzz_montecarlo): up to
   MAX_MKT markets and MAX_POS European positions of every instrument and settlement,
   plausible values, and with hostile set one position field made hostile. */
#ifndef FUZZ_SIM_BOOK_H
#define FUZZ_SIM_BOOK_H

#include <string.h>
#include "fuzz.h"

#define MAX_MKT 4
#define MAX_POS 8

typedef struct {
    mgn_market mkt[MAX_MKT];
    mgn_position pos[MAX_POS];
    size_t n_mkt, n_pos;
} book;

static void dec_book(fz_in *in, book *b, size_t n_mkt, int hostile)
{
    b->n_mkt = n_mkt;
    for (size_t u = 0; u < n_mkt; u++) {
        mgn_market *m = &b->mkt[u];
        if (hostile) {
            m->spot = fz_pos(in, 1.0, 1e5);
            m->rate = fz_real(in, -0.02, 0.1);
            m->carry = fz_real(in, -0.05, 0.1);
        } else {
            m->spot = exp(fz_sane(in, 0.0, 11.5));
            m->rate = fz_sane(in, -0.02, 0.1);
            m->carry = fz_sane(in, -0.05, 0.1);
        }
    }
    b->n_pos = fz_count(in, MAX_POS);
    for (size_t i = 0; i < b->n_pos; i++) {
        mgn_position *p = &b->pos[i];
        memset(p, 0, sizeof *p);
        unsigned sel = fz_u8(in);
        p->instrument = (int)(sel % 3u);
        p->underlying = n_mkt ? (int)(fz_u8(in) % n_mkt) : 0;
        p->option_type = (int)((sel >> 2) & 1u);
        p->settlement = (int)((sel >> 3) & 1u);
        p->exercise = MGN_EUROPEAN;
        double s = n_mkt && isfinite(b->mkt[p->underlying].spot) ? b->mkt[p->underlying].spot : 100.0;
        p->quantity = fz_sane(in, -100.0, 100.0);
        p->multiplier = p->settlement == MGN_INVERSE && p->instrument != MGN_OPTION
                            ? fz_sane(in, 1.0, 1000.0) : fz_sane(in, 0.01, 10.0);
        p->strike = s * exp(fz_sane(in, -0.7, 0.7));
        p->expiry = fz_u8(in) < 16 ? 0.0 : fz_sane(in, 0.0, 2.0);
        p->vol = fz_u8(in) < 8 ? 0.0 : fz_sane(in, 0.05, 1.5);
        p->entry_price = s * exp(fz_sane(in, -0.3, 0.3));
        if (hostile) {   /* one field made hostile */
            switch (fz_u8(in) % 8u) {
            case 0: p->quantity = fz_special(in, p->quantity); break;
            case 1: p->strike = fz_special(in, p->strike); break;
            case 2: p->vol = fz_special(in, p->vol); break;
            case 3: p->underlying = fz_int(in, 0, n_mkt ? (int)n_mkt - 1 : 0); break;
            case 4: p->instrument = fz_int(in, 0, 2); break;
            case 5: p->reserved = fz_int(in, 0, 0); break;
            case 6: p->expiry = fz_special(in, p->expiry); break;
            default: p->multiplier = fz_special(in, p->multiplier); break;
            }
        }
    }
}

#endif
