// Every page of the storefront, by the first segment of its address (#/<name>/...).
// A page module's default export is {render(route, context)} returning an element;
// adding a page is one module and one line here.

import login, { register } from "./account.js";
import board from "./board.js";
import change from "./change.js";
import checkIn from "./checkin.js";
import flight from "./flight.js";
import itinerary from "./itinerary.js";
import journeys from "./journeys.js";
import manage from "./manage.js";
import notifications from "./notifications.js";
import pay from "./pay.js";
import results from "./results.js";
import search from "./search.js";
import status from "./status.js";
import trip from "./trip.js";
import trips from "./trips.js";

export const pages = {
  "": search,
  results,
  journeys,
  flight,
  itinerary,
  pay,
  trip,
  change,
  trips,
  "check-in": checkIn,
  manage,
  notifications,
  login,
  register,
  status,
  board,
};
