/* Internal declarations of lib/standard.c shared with the account module. */
#ifndef MGN_STANDARD_H
#define MGN_STANDARD_H

#include "internal.h"

/* Standard IM and MM of a valid option position per unit of underlying, in the quote
   currency, from the index price S and its mark value V per unit (MARGIN-MODEL.md
   section 3: short options max(im_base - OTM/S, im_floor) S + mark, ...). */
MGN_INTERNAL void mgn__std_option_unit(const mgn_std_params *r, const mgn_position *p,
                                       double S, double V, double *im, double *mm);

/* Standard IM and MM of a valid future or perpetual at price P (F(T) for futures, the
   index for perpetuals), totals in its settlement currency, with the notional tier
   and size terms; *units is its size in underlying units. MGN_OK or MGN_ERANGE. */
MGN_INTERNAL int mgn__std_delta_one(const mgn_std_params *r, const mgn_position *p, double P,
                                    double *im, double *mm, double *units);

#endif
